#pragma once
// The beep-and-flash A/V offset, end to end (the built-in pattern's sync
// test: media/source/test_pattern_sound.hpp beeps at each whole second, the
// instant the pattern's centre flashes white). What timestamps alone hide —
// a decoder's or the output's delay, a picture shown late — shows here,
// because both ends are measured as presented:
//
//   offset = (when the flash picture was shown) − (when the beep's first
//            sample reached the audio output)
//
// in ms, positive when the audio is early (the same sign as av_sync's
// offset). Each flash is paired with the nearest beep within kPairWindow.
//
//  - BeepDetector finds a beep's first sample in decoded PCM: the amplitude
//    at kBeepHz over a sliding kWindowMs window (the Goertzel algorithm),
//    each kHopMs; a beep starts when it rises past kStartAmplitude from
//    below kRearmAmplitude and, once the window is wholly inside it, carries
//    at least kDominance of the window's power (a tone, not music). Its first
//    sample is where the rising amplitude crossed half its full value, less
//    half a window (the amplitude of a window sliding onto a sine rises
//    linearly): within about a hop of the true onset.
//  - FlashDetector finds a flash among shown pictures: the mean luma of the
//    picture's centre (the middle half both ways, kRows rows sampled) above
//    kFlashLuma after a picture below kDarkLuma.
//  - BeepFlashMeter keeps the flashes shown (through a FlashDetector),
//    pairs them with the beeps heard and summarizes (AvSyncFigures'
//    beeps, flashes, beep_flash_*).
//
// Pure: samples, pictures and times are handed in. Threads: a BeepDetector
// is driven by one thread (the audio thread), a FlashDetector by one (the
// render thread); a BeepFlashMeter by the render thread, fill() after it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "client/metrics/av_sync_figures.hpp"
#include "client/playout/playout_clock.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace flowcast::client {

class BeepDetector {
 public:
  static constexpr double kBeepHz = 1000;
  static constexpr int kWindowMs = 5;
  static constexpr int kHopMs = 1;
  // Amplitudes at kBeepHz as a share of full scale: −20 dBFS starts a beep
  // (the pattern's is −6 dBFS), under −26 dBFS the next may start (the
  // pattern's 440 Hz tone, −30 dBFS, leaks far less into the 1 kHz bin).
  static constexpr double kStartAmplitude = 0.1;
  static constexpr double kRearmAmplitude = 0.05;
  static constexpr double kDominance = 0.5;

  // Interleaved signed 16-bit PCM of `channels` channels at `rate` Hz
  // (the channels are mixed). Throws std::invalid_argument on 0.
  BeepDetector(uint32_t rate, uint32_t channels);

  // Feeds pcm.size() / channels sample frames, the first of index
  // `first_index` (AudioSink's sample index). A block that does not follow
  // the last one starts the search afresh (a beep going on at a gap is not
  // a new one). Returns the first sample index of each beep found, in order
  // (a beep is found about a window after its start).
  std::vector<uint64_t> push(std::span<const int16_t> pcm, uint64_t first_index);

 private:
  // One window's reading, ending (exclusive) at sample index `end`.
  struct Hop {
    uint64_t end = 0;
    double amplitude = 0;  // at kBeepHz, share of full scale
    double power = 0;      // the window's mean square, full scale 1
  };
  Hop measure(uint64_t end) const;
  void reset();
  std::optional<uint64_t> on_hop(const Hop& hop);

  uint32_t rate_;
  uint32_t channels_;
  size_t window_;  // samples
  size_t hop_;     // samples
  double coeff_;   // Goertzel: 2 cos(2π f / rate)
  std::vector<float> ring_;
  size_t filled_ = 0;
  size_t ring_at_ = 0;  // where the next sample goes
  size_t since_hop_ = 0;
  std::optional<uint64_t> next_index_;
  bool armed_ = false;
  std::optional<uint64_t> triggered_at_;  // the hop end that rose past the start level
  std::deque<Hop> hops_;                  // the recent ones
};

class FlashDetector {
 public:
  static constexpr int kRows = 8;
  // Mean 8-bit luma of the centre (16 black, 235 white in limited range);
  // the pattern's own centre stays near 100.
  static constexpr double kFlashLuma = 180;
  static constexpr double kDarkLuma = 150;

  // A shown picture: true when it is a flash after a dark one. Pictures
  // whose first plane is not 8-bit luma (or that are empty) are not looked
  // at.
  bool on_picture(const AVFrame& frame);
  // The mean of kRows rows of the centre of an 8-bit luma plane (every
  // fourth pixel of each).
  static double centre_luma(const uint8_t* luma, int linesize, int width, int height);

 private:
  bool armed_ = false;
};

class BeepFlashMeter {
 public:
  // The farthest a beep may be from a flash to be its pair.
  static constexpr std::chrono::milliseconds kPairWindow{500};
  // Flashes kept: the first this many (a day at one a second).
  static constexpr size_t kMaxFlashes = 100'000;

  // A picture shown at `shown`: kept when it is a flash (FlashDetector).
  void on_picture(const AVFrame& picture, SteadyTime shown);
  // A flash shown at `shown`.
  void flash(SteadyTime shown);
  // Pairs each flash with the nearest of `beeps` (when each beep's first
  // sample reached the output, any order) within kPairWindow, and writes
  // beeps, flashes, beep_flash_pairs and beep_flash_offset_ms.
  void fill(const std::vector<SteadyTime>& beeps, AvSyncFigures& figures) const;

 private:
  FlashDetector detector_;
  std::vector<SteadyTime> flashes_;
};

}  // namespace flowcast::client
