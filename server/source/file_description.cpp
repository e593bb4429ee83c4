#include "server/source/file_description.hpp"

#include "media/payload/annexb.hpp"
#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::server {

std::optional<media::SdpDescription> file_description(const std::string& input) {
  constexpr int kSearchFrames = 300;
  media::FileSource file(input);
  const media::PayloadFormat& format = media::payload_format_for(file.info().codec_id);
  for (int i = 0; i < kSearchFrames; ++i) {
    auto frame = file.next();
    if (!frame) break;
    if (!frame->keyframe) continue;
    if (auto d = media::describe_stream(format, media::split_annexb(frame->annexb), "0.0.0.0", 0)) {
      if (file.info().duration_90k > 0)
        d->range_end_s = static_cast<double>(file.info().duration_90k) / 90000.0;
      return d;
    }
  }
  return std::nullopt;
}

}  // namespace flowcast::server
