#pragma once
// How the live encoder keeps up with the pattern it encodes: pictures
// encoded per second against the pattern's rate, the time each picture took
// (rendering and encoding), how late the encoder started a picture after it
// was due, and the pictures it skipped to stay at the live edge. A live
// encoder is part of the server's load as much as the network thread is:
// libx265 on two cores can fall to two thirds of a 30 fps pattern.
//
// Behind: over kBehindSeconds whole seconds in a row it encoded fewer than
// kBehindShare of the pattern's pictures (a hiccup of another process costs
// a few pictures, not a tenth of three seconds' worth). The first whole
// second, from the first picture, warms the encoder up: it is neither judged
// nor the slowest second.
//
// Pure: times are passed in (a fake clock in tests). Not thread-safe: the
// live source guards it with its own lock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace flowcast::server {

// The encoder in the metrics file ("load.encoder"). With a file or a relayed
// URL there is no live encoder: codec is "" and the figures are 0.
struct EncoderMetrics {
  std::string codec;                    // "h264" or "h265"
  std::string preset;                   // the libx264/libx265 preset, e.g. "ultrafast"
  double target_fps = 0;                // the pattern's rate (--pattern)
  uint64_t pictures_encoded = 0;        // pictures encoded
  uint64_t pictures_skipped = 0;        // pattern pictures skipped: the encoder was behind
  double pictures_per_second_mean = 0;  // encoded over the run, from the first picture
  double pictures_per_second_min = 0;   // in the slowest whole second (after the first)
  double picture_ms_mean = 0;           // rendering + encoding, per picture (wall time)
  double picture_ms_peak = 0;
  double behind_ms_peak = 0;  // the latest a picture started after its due time
  bool fell_behind = false;   // kBehindSeconds in a row under kBehindShare of target_fps
};

// The live encoder as the server reads it, taken at once: the run so far
// (the metrics' "load.encoder"), the last whole second (the status line),
// and whether it fell behind (the warning).
struct EncoderReading {
  EncoderMetrics run;
  double last_second_fps = 0;         // pictures encoded in the last whole second
  double last_second_picture_ms = 0;  // their mean time, rendering + encoding
  // Pictures per second over the seconds that first made it behind; nullopt
  // while it keeps up.
  std::optional<double> behind_fps;
};

// The server's last word on an encoder that fell behind: "the encoder fell
// behind: 1200 pictures encoded, 20.0 a second of 30 (67%), 400 skipped;
// 48 ms a picture, at most 90 ms".
std::string fell_behind_summary(const EncoderMetrics& e);

class EncoderMeter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kBehindShare = 0.9;
  static constexpr int kBehindSeconds = 3;

  EncoderMeter(std::string codec, std::string preset, double target_fps);

  // A picture due at `due` was rendered and encoded from `began` to `ended`.
  void encoded(Clock::time_point due, Clock::time_point began, Clock::time_point ended);
  // A picture due at `due` was skipped at `now`: the encoder was too far behind.
  void skipped(Clock::time_point due, Clock::time_point now);

  // The whole run so far, as of `now`.
  EncoderMetrics metrics(Clock::time_point now) const;
  // The last whole second: pictures encoded, and their mean time (ms).
  double last_second_fps() const { return last_fps_; }
  double last_second_picture_ms() const { return last_picture_ms_; }
  // A whole second has fallen under kBehindShare of the rate.
  bool fell_behind() const { return metrics_.fell_behind; }
  // Pictures per second over the seconds that first made it behind.
  std::optional<double> first_behind_fps() const { return first_behind_fps_; }
  // All of the above as of `now`.
  EncoderReading reading(Clock::time_point now) const {
    return {metrics(now), last_fps_, last_picture_ms_, first_behind_fps_};
  }

 private:
  void roll(Clock::time_point now);

  EncoderMetrics metrics_;
  double picture_ms_total_ = 0;
  std::optional<Clock::time_point> first_;
  Clock::time_point second_start_;
  uint64_t second_pictures_ = 0;
  double second_picture_ms_ = 0;
  bool warmed_up_ = false;                // the first whole second is over
  bool whole_second_ = false;             // one whole second measured after it
  uint64_t recent_[kBehindSeconds] = {};  // pictures in the last whole seconds
  int recent_seconds_ = 0;                // how many of them are measured
  double last_fps_ = 0;
  double last_picture_ms_ = 0;
  std::optional<double> first_behind_fps_;
};

}  // namespace flowcast::server
