#include "client/transport/rtsp_connection.hpp"

#include <strings.h>

#include "media/ffmpeg/base64.hpp"
#include "media/ffmpeg/md5.hpp"

namespace flowcast::client {

namespace {

constexpr size_t kMaxInFlight = 16;
constexpr size_t kMaxPendingWrite = 256 * 1024;

std::string base64_text(std::string_view s) {
  return media::base64_encode(s);
}
std::string md5_text(std::string_view s) {
  return media::md5_hex(s);
}
const common::AuthHashes kHashes{&md5_text, &base64_text};

}  // namespace

RtspConnection::RtspConnection(std::unique_ptr<RtspByteStream> stream, common::RtspUrl url,
                               std::string user, std::string password)
    : stream_(std::move(stream)),
      url_(std::move(url)),
      user_(std::move(user)),
      password_(std::move(password)) {}

RtspConnection::~RtspConnection() {
  close();
}

void RtspConnection::fail(const std::string& error) {
  if (closed_) return;
  close();
  // Requests in flight get no answer now.
  auto pending = std::move(in_flight_);
  in_flight_.clear();
  for (auto& [cseq, p] : pending)
    if (p.handler) p.handler(nullptr);
  if (on_closed_) on_closed_(error);
}

void RtspConnection::connect(std::chrono::milliseconds timeout,
                             std::function<void(const std::string&)> done) {
  stream_->connect(url_.host, url_.port, timeout, [this, done](const std::string& error) {
    if (closed_ || connected_) return;
    if (!error.empty()) {
      closed_ = true;  // the stream closed itself
      done(error);
      return;
    }
    connected_ = true;
    done("");
    do_read();
  });
}

void RtspConnection::request(const std::string& method, std::string uri, Headers headers,
                             ResponseHandler handler) {
  if (uri.empty()) uri = url_.without_credentials();
  send(Pending{method, std::move(uri), std::move(headers), std::move(handler)});
}

void RtspConnection::send(Pending pending) {
  if (closed_ || !connected_) {
    if (pending.handler) pending.handler(nullptr);
    return;
  }
  if (in_flight_.size() >= kMaxInFlight) in_flight_.erase(in_flight_.begin());
  common::RtspMessage m;
  m.method = pending.method;
  m.uri = pending.uri;
  const uint32_t cseq = ++cseq_;
  m.set_header("CSeq", std::to_string(cseq));
  m.set_header("User-Agent", "flowcast-client");
  for (const auto& [name, value] : pending.headers) m.set_header(name, value);
  if (!session_.empty()) m.set_header("Session", session_);
  if (challenge_)
    m.set_header("Authorization",
                 common::authorization(*challenge_, user_, password_, m.method, m.uri, kHashes,
                                       "f10ca57c", ++nonce_count_));
  const std::string text = common::write_rtsp(m);
  if (!common::within_limits(text, common::RtspLimits{})) {
    // Built from what the server sent (a control URL, a challenge) past what
    // an RTSP server reads: sent, it would be refused or cut.
    if (pending.handler) pending.handler(nullptr);
    fail("the " + m.method + " request built from the RTSP server's answer (its control URL or " +
         "challenge) is longer than an RTSP request may be (" + std::to_string(text.size()) +
         " bytes)");
    return;
  }
  in_flight_.emplace(cseq, std::move(pending));
  write(text);
}

void RtspConnection::write(std::string_view text) {
  stream_->write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

bool RtspConnection::send_frame(uint8_t channel, std::span<const uint8_t> data) {
  if (closed_ || !connected_ || data.size() > 0xFFFF) return false;
  if (stream_->pending_write() + data.size() + 4 > kMaxPendingWrite) return false;
  std::vector<uint8_t> frame;
  frame.reserve(data.size() + 4);
  common::write_interleaved(channel, data, frame);
  stream_->write(frame);
  return true;
}

void RtspConnection::set_reading(bool reading) {
  reading_ = reading;
  if (reading) do_read();
}

void RtspConnection::do_read() {
  if (!reading_ || read_pending_ || closed_ || !connected_) return;
  read_pending_ = true;
  stream_->read(
      [this](std::span<const uint8_t> bytes, const asio::error_code& e) { on_read(bytes, e); });
}

void RtspConnection::on_read(std::span<const uint8_t> bytes, const asio::error_code& e) {
  read_pending_ = false;
  if (e == asio::error::operation_aborted || closed_) return;
  if (e) {
    fail(e == asio::error::eof ? "" : "the RTSP connection was lost: " + e.message());
    return;
  }
  std::vector<common::RtspStreamReader::Item> items;
  const bool ok = reader_.feed(bytes, items);
  for (auto& item : items) {
    if (closed_) return;
    if (auto* frame = std::get_if<common::InterleavedFrame>(&item)) {
      if (on_frame_) on_frame_(*frame);
    } else {
      handle(std::move(std::get<common::RtspMessage>(item)));
    }
  }
  if (closed_) return;
  if (!ok) {
    fail("the RTSP server sent what is not RTSP: " + reader_.error());
    return;
  }
  if (on_read_done_) on_read_done_();
  if (!closed_) do_read();
}

void RtspConnection::handle(common::RtspMessage message) {
  if (!message.is_response) {
    // A request from the server (RFC 2326 §10): keepalives are answered,
    // the rest is not implemented here.
    common::RtspMessage reply;
    reply.is_response = true;
    const bool known = message.method == "OPTIONS" || message.method == "GET_PARAMETER";
    reply.status = known ? 200 : 501;
    reply.reason = known ? "OK" : "Not Implemented";
    if (auto cseq = message.header("CSeq")) reply.set_header("CSeq", std::string(*cseq));
    write(common::write_rtsp(reply));
    return;
  }
  const auto cseq = message.cseq();
  if (!cseq) return;
  auto it = in_flight_.find(*cseq);
  if (it == in_flight_.end()) return;
  Pending pending = std::move(it->second);
  in_flight_.erase(it);
  if (message.status == 401 && has_credentials() && !pending.answered_challenge) {
    std::vector<std::string_view> values;
    for (const auto& [name, value] : message.headers)
      if (name.size() == 16 && strncasecmp(name.c_str(), "WWW-Authenticate", 16) == 0)
        values.push_back(value);
    const auto challenges = common::parse_challenges(values);
    if (!challenges.empty()) {
      challenge_ = challenges.front();
      nonce_count_ = 0;
      pending.answered_challenge = true;
      send(std::move(pending));
      return;
    }
  }
  if (pending.handler) pending.handler(&message);
}

void RtspConnection::close() {
  if (closed_) return;
  closed_ = true;
  stream_->close();
}

}  // namespace flowcast::client
