// Fuzz target: media::h264_sps_picture_size on one NAL unit (an SPS as it
// comes in an RTP payload or the SDP's sprop-parameter-sets), and
// PictureLimit::allows on what it reads, as the client's decoder stage does
// before it lets libavcodec allocate pictures.
// Asserts: a size is read only from an SPS (NAL type 7); both sides are
// whole macroblocks, at least one; the default limit refuses any side longer
// than its longer side.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_input.hpp"
#include "media/payload/h264_sps.hpp"

using namespace flowcast::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> nal(data, size);
  const auto picture = h264_sps_picture_size(nal);
  if (!picture) return 0;
  FUZZ_CHECK(size >= 1 && (data[0] & 0x1F) == 7);
  FUZZ_CHECK(picture->width >= 16 && picture->width % 16 == 0);
  FUZZ_CHECK(picture->height >= 16 && picture->height % 16 == 0);
  const PictureLimit limit;
  if (limit.allows(*picture)) {
    FUZZ_CHECK(std::max(picture->width, picture->height) <= std::max(limit.width, limit.height));
  }
  return 0;
}
