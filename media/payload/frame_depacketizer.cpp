#include "media/payload/frame_depacketizer.hpp"

#include <utility>

namespace flowcast::media {
namespace {

class FrameDepacketizer final : public Depacketizer {
 public:
  explicit FrameDepacketizer(size_t max_unit_bytes) : max_unit_bytes_(max_unit_bytes) {}

  void push(std::span<const uint8_t> payload, bool gap_before) override {
    if (gap_before) unit_.complete = false;
    if (payload.empty() || payload.size() > max_unit_bytes_ - unit_.annexb.size()) {
      ++unit_.dropped_nals;
      unit_.complete = false;
      return;
    }
    unit_.annexb.insert(unit_.annexb.end(), payload.begin(), payload.end());
    unit_.frame_sizes.push_back(payload.size());
  }

  DepacketizedUnit finish() override {
    DepacketizedUnit out = std::exchange(unit_, DepacketizedUnit{});
    out.keyframe = !out.annexb.empty();
    return out;
  }

 private:
  size_t max_unit_bytes_;
  DepacketizedUnit unit_;
};

}  // namespace

std::unique_ptr<Depacketizer> make_frame_depacketizer(size_t max_unit_bytes) {
  return std::make_unique<FrameDepacketizer>(max_unit_bytes);
}

}  // namespace flowcast::media
