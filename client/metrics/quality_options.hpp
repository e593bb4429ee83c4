#pragma once
// --reference, --snapshot, --frames: what the QualityMeter is asked to do.
#include <optional>
#include <string>

namespace flowcast::client {

struct QualityOptions {
  std::optional<std::string> reference;     // --reference FILE
  std::optional<std::string> snapshot_dir;  // --snapshot DIR (created at start)
  int snapshot_max = 12;                    // --snapshot-max
  std::optional<std::string> frames_path;   // --frames FILE
  bool active() const { return reference || snapshot_dir || frames_path; }
};

}  // namespace flowcast::client
