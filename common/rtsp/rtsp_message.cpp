#include "common/rtsp/rtsp_message.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/rtsp/rtsp_text.hpp"

namespace flowcast::common {

using namespace rtsp_text;

std::optional<std::string_view> RtspMessage::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<uint32_t> RtspMessage::cseq() const {
  const auto value = header("CSeq");
  if (!value) return std::nullopt;
  return number<uint32_t>(*value);
}

void RtspMessage::set_header(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string write_rtsp(const RtspMessage& m) {
  std::string out;
  if (m.is_response)
    out = "RTSP/1.0 " + std::to_string(m.status) + " " + m.reason + "\r\n";
  else
    out = m.method + " " + m.uri + " RTSP/1.0\r\n";
  for (const auto& [name, value] : m.headers) {
    if (iequals(name, "Content-Length")) continue;
    out += name + ": " + value + "\r\n";
  }
  if (!m.body.empty()) out += "Content-Length: " + std::to_string(m.body.size()) + "\r\n";
  out += "\r\n";
  out += m.body;
  return out;
}

bool within_limits(std::string_view written, const RtspLimits& limits) {
  // The reader a peer with these limits runs: one whole message, nothing left.
  RtspStreamReader reader(limits);
  std::vector<RtspStreamReader::Item> items;
  const bool ok =
      reader.feed({reinterpret_cast<const uint8_t*>(written.data()), written.size()}, items);
  return ok && items.size() == 1 && reader.pending() == 0;
}

void write_interleaved(uint8_t channel, std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  if (data.size() > 0xFFFF)
    throw std::invalid_argument("an interleaved frame holds 65535 bytes at most");
  out.push_back('$');
  out.push_back(channel);
  out.push_back(static_cast<uint8_t>(data.size() >> 8));
  out.push_back(static_cast<uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
}

bool RtspStreamReader::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  buffer_.clear();
  message_.reset();
  return false;
}

bool RtspStreamReader::parse_head(std::string_view head) {
  RtspMessage m;
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= head.size()) {
    const size_t end = head.find('\n', start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lines.empty() || lines.front().empty()) return fail("an empty start line");
  for (auto line : lines) {
    if (line.size() > limits_.max_line_bytes)
      return fail("a line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    if (has_control_bytes(line)) return fail("a control byte in a header line");
  }
  const std::string_view first = lines.front();
  if (first.substr(0, 5) == "RTSP/") {
    // RTSP/1.0 200 OK
    const auto sp1 = first.find(' ');
    if (first.substr(0, sp1) != "RTSP/1.0")
      return fail("not RTSP/1.0: '" + std::string(first.substr(0, sp1)) + "'");
    const auto sp2 = first.find(' ', sp1 + 1);
    const auto status =
        number<int>(first.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1));
    if (!status || *status < 100 || *status > 999)
      return fail("a status line without a status code");
    m.is_response = true;
    m.status = *status;
    if (sp2 != std::string_view::npos) m.reason = std::string(trim(first.substr(sp2 + 1)));
  } else {
    // METHOD URI RTSP/1.0
    const auto sp1 = first.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || first.substr(sp2 + 1) != "RTSP/1.0")
      return fail("a request line that is not 'METHOD URI RTSP/1.0'");
    m.method = std::string(first.substr(0, sp1));
    m.uri = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
    if (m.method.empty() || m.uri.empty() ||
        !std::all_of(m.method.begin(), m.method.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }))
      return fail("a request line that is not 'METHOD URI RTSP/1.0'");
  }
  if (lines.size() - 1 > limits_.max_headers)
    return fail("more than " + std::to_string(limits_.max_headers) + " header lines");
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !m.headers.empty()) {
      // A folded continuation of the previous header: one space between
      // the parts (RFC 2616 §2.2), none before or after, so the value
      // reads back the same once written on one line.
      const std::string_view more = trim(line);
      std::string& value = m.headers.back().second;
      if (!more.empty()) value += (value.empty() ? "" : " ") + std::string(more);
      continue;
    }
    const auto colon = line.find(':');
    const std::string_view name =
        colon == std::string_view::npos ? std::string_view{} : trim(line.substr(0, colon));
    if (name.empty()) return fail("a header line without a name");
    m.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }
  size_t length = 0;
  if (const auto value = m.header("Content-Length")) {
    const auto n = number<size_t>(*value);
    if (!n) return fail("a Content-Length that is not a number");
    if (*n > limits_.max_body_bytes)
      return fail("a body of " + std::to_string(*n) + " bytes (at most " +
                  std::to_string(limits_.max_body_bytes) + ")");
    length = *n;
  }
  message_ = std::move(m);
  body_length_ = length;
  return true;
}

bool RtspStreamReader::feed(std::span<const uint8_t> bytes, std::vector<Item>& out) {
  if (!error_.empty()) return false;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t pos = 0;
  bool ok = true;
  for (;;) {
    const size_t left = buffer_.size() - pos;
    if (message_) {
      if (left < body_length_) break;
      message_->body.assign(reinterpret_cast<const char*>(buffer_.data() + pos), body_length_);
      pos += body_length_;
      out.emplace_back(std::move(*message_));
      message_.reset();
      continue;
    }
    if (left == 0) break;
    if (buffer_[pos] == '$') {
      if (left < 4) break;
      const size_t length = (size_t{buffer_[pos + 2]} << 8) | buffer_[pos + 3];
      if (left < 4 + length) break;
      InterleavedFrame frame;
      frame.channel = buffer_[pos + 1];
      frame.data.assign(buffer_.begin() + static_cast<long>(pos + 4),
                        buffer_.begin() + static_cast<long>(pos + 4 + length));
      pos += 4 + length;
      out.emplace_back(std::move(frame));
      continue;
    }
    // Blank lines between messages are allowed (RFC 2326 §4, as HTTP).
    if (buffer_[pos] == '\r' || buffer_[pos] == '\n') {
      ++pos;
      continue;
    }
    const std::string_view text(reinterpret_cast<const char*>(buffer_.data() + pos), left);
    size_t end = text.find("\r\n\r\n");
    size_t skip = 4;
    if (const size_t bare = text.find("\n\n"); bare != std::string_view::npos && bare < end) {
      end = bare;
      skip = 2;
    }
    if (end == std::string_view::npos) {
      if (left > limits_.max_head_bytes)
        ok =
            fail("a message head longer than " + std::to_string(limits_.max_head_bytes) + " bytes");
      break;
    }
    if (end > limits_.max_head_bytes) {
      ok = fail("a message head longer than " + std::to_string(limits_.max_head_bytes) + " bytes");
      break;
    }
    if (!parse_head(text.substr(0, end))) {
      ok = false;
      break;
    }
    pos += end + skip;
  }
  if (!ok) return false;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(pos));
  return true;
}

}  // namespace flowcast::common
