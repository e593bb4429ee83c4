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

RtspConnection::RtspConnection(asio::io_context& io, common::RtspUrl url, std::string user,
                               std::string password)
    : io_(io),
      url_(std::move(url)),
      user_(std::move(user)),
      password_(std::move(password)),
      socket_(io),
      deadline_(io) {}

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
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
  if (ec || endpoints.empty()) {
    closed_ = true;
    done("cannot resolve the RTSP host '" + url_.host + "': " + ec.message());
    return;
  }
  deadline_.expires_after(timeout);
  deadline_.async_wait([this, done, where, timeout](const asio::error_code& e) {
    if (e || connected_ || closed_) return;
    close();
    done("no answer from the RTSP server at " + where + " within " +
         std::to_string(timeout.count() / 1000) + " s");
  });
  // Every address in turn, as a name may resolve to ::1 before 127.0.0.1.
  asio::async_connect(
      socket_, endpoints,
      [this, done, where](const asio::error_code& e, const asio::ip::tcp::endpoint&) {
        if (closed_ || connected_) return;
        deadline_.cancel();
        if (e) {
          close();
          done(e == asio::error::connection_refused
                   ? "connection refused: no RTSP server listens on " + where
                   : "cannot connect to the RTSP server at " + where + ": " + e.message());
          return;
        }
        connected_ = true;
        asio::error_code ec2;
        socket_.set_option(asio::ip::tcp::no_delay(true), ec2);
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
         "challenge) is longer than an RTSP request may be (" +
         std::to_string(text.size()) + " bytes)");
    return;
  }
  pending_write_.insert(pending_write_.end(), text.begin(), text.end());
  in_flight_.emplace(cseq, std::move(pending));
  if (!write_pending_) do_write();
}

void RtspConnection::send_frame(uint8_t channel, std::span<const uint8_t> data) {
  if (closed_ || !connected_ || data.size() > 0xFFFF) return;
  if (pending_write_.size() + data.size() + 4 > kMaxPendingWrite) return;
  common::write_interleaved(channel, data, pending_write_);
  if (!write_pending_) do_write();
}

void RtspConnection::do_write() {
  if (pending_write_.empty() || closed_) return;
  // What the kernel takes now goes now: a TEARDOWN written just before
  // close() is not lost to the close.
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  const size_t n = socket_.write_some(asio::buffer(pending_write_), ec);
  if (!ec)
    pending_write_.erase(pending_write_.begin(), pending_write_.begin() + static_cast<long>(n));
  if (pending_write_.empty()) return;
  writing_.swap(pending_write_);
  pending_write_.clear();
  write_pending_ = true;
  asio::async_write(socket_, asio::buffer(writing_), [this](const asio::error_code& e, size_t) {
    write_pending_ = false;
    writing_.clear();
    if (e || closed_) return;
    do_write();
  });
}

void RtspConnection::set_reading(bool reading) {
  reading_ = reading;
  if (reading) do_read();
}

void RtspConnection::do_read() {
  if (!reading_ || read_pending_ || closed_ || !connected_) return;
  read_pending_ = true;
  socket_.async_read_some(asio::buffer(read_buffer_), [this](const asio::error_code& e, size_t n) {
    read_pending_ = false;
    if (e == asio::error::operation_aborted || closed_) return;
    if (e) {
      fail(e == asio::error::eof ? "" : "the RTSP connection was lost: " + e.message());
      return;
    }
    std::vector<common::RtspStreamReader::Item> items;
    const bool ok = reader_.feed(std::span<const uint8_t>(read_buffer_.data(), n), items);
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
  });
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
    const std::string text = common::write_rtsp(reply);
    pending_write_.insert(pending_write_.end(), text.begin(), text.end());
    if (!write_pending_) do_write();
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

asio::ip::address RtspConnection::remote_address() const {
  asio::error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  return ec ? asio::ip::address() : endpoint.address();
}

void RtspConnection::close() {
  if (closed_) return;
  closed_ = true;
  deadline_.cancel();
  if (socket_.is_open() && !pending_write_.empty()) {
    asio::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.write_some(asio::buffer(pending_write_), ec);
  }
  asio::error_code ec;
  socket_.close(ec);
}

}  // namespace flowcast::client
