#include "media/payload/payload_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace flowcast::media {

std::span<const PayloadFormat* const> payload_formats() {
  static const std::array<const PayloadFormat*, 2> formats = {&h264_payload_format(),
                                                              &h265_payload_format()};
  return formats;
}

const PayloadFormat& preferred_payload_format() {
  return h264_payload_format();
}

const PayloadFormat& transcode_target_format() {
  return h264_payload_format();
}

namespace {
const PayloadFormat* find_named(std::span<const PayloadFormat* const> formats,
                                std::string_view encoding_name) {
  for (const PayloadFormat* f : formats) {
    if (f->encoding_name.size() == encoding_name.size() &&
        std::equal(encoding_name.begin(), encoding_name.end(), f->encoding_name.begin(),
                   [](char a, char b) {
                     return std::tolower(static_cast<unsigned char>(a)) ==
                            std::tolower(static_cast<unsigned char>(b));
                   }))
      return f;
  }
  return nullptr;
}
}  // namespace

std::span<const PayloadFormat* const> audio_payload_formats() {
  static const std::array<const PayloadFormat*, 4> formats = {
      &aac_payload_format(), &opus_payload_format(), &pcmu_payload_format(),
      &pcma_payload_format()};
  return formats;
}

const PayloadFormat* find_payload_format(std::string_view encoding_name) {
  return find_named(payload_formats(), encoding_name);
}

const PayloadFormat* find_audio_payload_format(std::string_view encoding_name) {
  return find_named(audio_payload_formats(), encoding_name);
}

const PayloadFormat* find_audio_payload_format(AVCodecID codec_id) {
  for (const PayloadFormat* f : audio_payload_formats())
    if (f->codec_id == codec_id) return f;
  return nullptr;
}

const PayloadFormat* detect_payload_format(std::span<const uint8_t> first_payload) {
  for (const PayloadFormat* f : payload_formats())
    if (f->opens_keyframe && f->opens_keyframe(first_payload)) return f;
  return nullptr;
}

const PayloadFormat* find_payload_format(AVCodecID codec_id) {
  for (const PayloadFormat* f : payload_formats())
    if (f->codec_id == codec_id) return f;
  return nullptr;
}

const PayloadFormat* find_payload_format_option(std::string_view option_name) {
  for (const PayloadFormat* f : payload_formats())
    if (f->option_name == option_name) return f;
  return nullptr;
}

const PayloadFormat& payload_format_for(AVCodecID codec_id) {
  if (const PayloadFormat* f = find_payload_format(codec_id)) return *f;
  throw std::invalid_argument("flowcast sends " + payload_format_names() + ", not " +
                              avcodec_get_name(codec_id));
}

std::string payload_format_names() {
  return payload_format_names(payload_formats());
}

std::string payload_format_names(std::span<const PayloadFormat* const> formats) {
  std::string names;
  for (size_t i = 0; i < formats.size(); ++i) {
    if (i > 0) names += i + 1 == formats.size() ? " or " : ", ";
    names += formats[i]->display_name;
  }
  return names;
}

}  // namespace flowcast::media
