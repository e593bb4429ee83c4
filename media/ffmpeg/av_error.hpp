#pragma once
// Errors at the FFmpeg boundary: every AVERROR becomes an AvError that carries
// av_strerror's text and says what was being done.
#include <stdexcept>
#include <string>
#include <string_view>

namespace flowcast::media {

class AvError : public std::runtime_error {
 public:
  AvError(std::string_view what, int code);
  int code() const { return code_; }

 private:
  int code_;
};

// av_strerror text for an AVERROR code.
std::string av_error_text(int code);

// Throws AvError when code < 0; returns code otherwise.
int check_av(int code, std::string_view what);

}  // namespace flowcast::media
