#pragma once
// Text for self-contained HTML pages (the report): escaping. Pure; any
// thread. Base64 for data: URLs is media::base64_encode.
#include <string>
#include <string_view>

namespace flowcast::client {

// Escapes &, <, >, " and ' so the text is safe both in element content and
// in a quoted attribute value (HTML and inline SVG alike).
std::string html_escape(std::string_view text);

}  // namespace flowcast::client
