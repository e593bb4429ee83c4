#pragma once
// MD5 through libavutil, as lower-case hex: RTSP Digest authentication
// (RFC 7616 with MD5). Not for anything that needs a secure hash.
#include <string>
#include <string_view>

namespace flowcast::media {

std::string md5_hex(std::string_view bytes);

}  // namespace flowcast::media
