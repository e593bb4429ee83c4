#pragma once
// Text for self-contained HTML pages (the report): escaping and base64 for
// data: URLs. Pure functions; any thread.
#include <string>
#include <string_view>

namespace flowcast::client {

// Escapes &, <, >, " and ' so the text is safe both in element content and
// in a quoted attribute value (HTML and inline SVG alike).
std::string html_escape(std::string_view text);

// Standard base64 (RFC 4648, with padding), as a data: URL wants it.
std::string base64_encode(std::string_view bytes);

}  // namespace flowcast::client
