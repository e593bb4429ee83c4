#pragma once
// The text of SDP fmtp values (RFC 8866 §6.15): what every payload format's
// read_fmtp and write_fmtp share, and the SDP reader with them. Pure text:
// no FFmpeg but its base64.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/payload/payload_format.hpp"

namespace flowcast::media {

// Without leading and trailing spaces and tabs (and a trailing CR).
std::string_view trim_fmtp(std::string_view s);
// ASCII lower case.
std::string lower_fmtp(std::string_view s);
// The parts of s between separators, empty ones included.
std::vector<std::string_view> split_fmtp(std::string_view s, char separator);
// A decimal in [0, max]; nullopt for anything else (signs, garbage, overflow).
std::optional<uint32_t> parse_fmtp_uint(std::string_view s, uint32_t max);
// s in quotes for a message, cut after 60 characters.
std::string quote_fmtp(std::string_view s);
// "key=value; key2=value2" (";" with or without spaces) as FmtpItems.
FmtpItems fmtp_items(std::string_view fmtp);
// One base64 parameter set of an sprop list. Throws FormatParameterError
// ("sprop-parameter-sets: '...' is not base64").
std::vector<uint8_t> decode_parameter_set(std::string_view text);
// The non-empty base64 items of a comma-separated sprop list.
std::vector<std::string_view> parameter_set_list(std::string_view value);

}  // namespace flowcast::media
