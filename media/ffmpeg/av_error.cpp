#include "media/ffmpeg/av_error.hpp"

extern "C" {
#include <libavutil/error.h>
}

namespace flowcast::media {

std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

AvError::AvError(std::string_view what, int code)
    : std::runtime_error(std::string(what) + ": " + av_error_text(code)), code_(code) {}

int check_av(int code, std::string_view what) {
  if (code < 0) throw AvError(what, code);
  return code;
}

}  // namespace flowcast::media
