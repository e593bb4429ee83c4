#pragma once
// "av_sync" in the metrics file (docs/METRICS.md): the A/V offset of the
// pictures shown (client/audio/av_sync.hpp says how it is measured), null
// without an audio stream. Plain values; any thread.
#include <cstdint>
#include <nlohmann/json.hpp>

namespace flowcast::client {

// ITU-R BT.1359's window of detectability of the A/V offset (ms, audio −
// video): sound more than 45 ms early or 125 ms late is noticed.
inline constexpr double kBt1359AudioEarlyMs = 45;
inline constexpr double kBt1359AudioLateMs = -125;

// The beep-and-flash offset (flash shown − beep heard, ms; + audio early)
// over the pairs, client/audio/beep_flash.hpp: its magnitude's mean, p50,
// p95 and max, and its mean with the sign. All 0 without a pair.
struct BeepFlashOffset {
  double mean = 0;
  double p50 = 0;
  double p95 = 0;
  double max = 0;
  double mean_signed = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BeepFlashOffset, mean, p50, p95, max, mean_signed)

// "av_sync" in the metrics file (docs/METRICS.md).
struct AvSyncFigures {
  uint64_t pictures = 0;  // pictures whose offset was measured
  // |offset| over them, ms; 0 when none.
  double mean_ms = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double max_ms = 0;
  double mean_signed_ms = 0;  // the offset with its sign (+: audio early)
  // Share of the measured time outside BT.1359's window (+45 / −125 ms).
  double outside_window_share = 0;
  uint64_t corrections = 0;  // moves of the video's clock
  // Frame intervals the corrections skipped (pictures dropped: audio
  // early) and held (pictures repeated: audio late).
  uint64_t pictures_dropped_for_sync = 0;
  uint64_t pictures_repeated_for_sync = 0;
  // The beep-and-flash sync test (the built-in pattern's), measured as
  // presented: beeps heard, flash pictures shown, flashes paired with a
  // beep within 500 ms, and their offset.
  uint64_t beeps = 0;
  uint64_t flashes = 0;
  uint64_t beep_flash_pairs = 0;
  BeepFlashOffset beep_flash_offset_ms;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AvSyncFigures, pictures, mean_ms, p50_ms, p95_ms,
                                                max_ms, mean_signed_ms, outside_window_share,
                                                corrections, pictures_dropped_for_sync,
                                                pictures_repeated_for_sync, beeps, flashes,
                                                beep_flash_pairs, beep_flash_offset_ms)

}  // namespace flowcast::client
