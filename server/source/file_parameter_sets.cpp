#include "server/source/file_parameter_sets.hpp"

#include "media/payload/h264_packetizer.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::server {

std::optional<media::H264ParameterSets> file_parameter_sets(const std::string& input) {
  constexpr int kSearchFrames = 300;
  media::FileSource file(input);
  for (int i = 0; i < kSearchFrames; ++i) {
    auto frame = file.next();
    if (!frame) break;
    if (!frame->keyframe) continue;
    if (auto sets = media::find_parameter_sets(media::split_annexb(frame->annexb))) return sets;
  }
  return std::nullopt;
}

}  // namespace flowcast::server
