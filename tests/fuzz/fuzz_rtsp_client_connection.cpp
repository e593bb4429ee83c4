// Fuzz target: the client's end of an RTSP connection, client::RtspConnection
// under the real client::RtspTransport (SETUP of the video and, with an
// audio track, of the audio, PLAY, the fallback from UDP to TCP,
// interleaved media and RTCP) or the real client::describe_rtsp
// (DESCRIBE and its SDP), reading a server's byte stream in chunks. The one
// piece without a socket is the RtspByteStream: it connects at once, hands
// the input over in chunks (then the end of the stream), and collects what
// the client writes. So status lines, headers and bodies split anywhere,
// the Session and Transport of a SETUP answer, a 401 with WWW-Authenticate
// (Basic, Digest) and the retry, requests from the server, interleaved
// frames between answers, and garbage all run as in flowcast-client.
// Input: byte 0: chunk size ((h & 15) + 1) << ((h >> 4) & 7) bytes; byte 1:
// bits 0..1 what runs (RtspTransport over TCP, over UDP, --transport auto,
// or describe_rtsp), bit 2 with credentials, bit 3 RTCP sent after every
// read, bit 4 an audio track to set up beside the video; then the server's
// bytes.
// Asserts: what the client writes reads back (RtspStreamReader, default
// RtspLimits) as requests with CSeq 1, 2, 3... and User-Agent, answers to
// the server's requests, and RTCP frames; a Session header names a session
// some answer gave; an Authorization header is there only with credentials
// and after a challenge, and is the right answer (recomputed with real MD5
// and base64) for its request's method and URI to a challenge the server
// sent; at most 3 + 2 per answer requests (no retry loop); events only
// while the transport runs, media only after on_connected; the transport
// ends (failed or closed by the server) when the stream ends.
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/transport/rtsp_byte_stream.hpp"
#include "client/transport/rtsp_options.hpp"
#include "client/transport/rtsp_transport.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "common/rtsp/rtsp_auth.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "fuzz_input.hpp"
#include "media/ffmpeg/base64.hpp"
#include "media/ffmpeg/md5.hpp"

using namespace flowcast;

namespace {

std::string md5_text(std::string_view s) {
  return media::md5_hex(s);
}
std::string base64_text(std::string_view s) {
  return media::base64_encode(s);
}
const common::AuthHashes kHashes{&md5_text, &base64_text};

// The server's bytes, in chunks, then the end of the stream.
class MemoryStream : public client::RtspByteStream {
 public:
  MemoryStream(asio::io_context& io, std::span<const uint8_t> input, size_t chunk,
               std::vector<uint8_t>& written)
      : io_(io), input_(input), chunk_(chunk), written_(written) {}
  void connect(const std::string&, uint16_t, std::chrono::milliseconds,
               ConnectHandler done) override {
    asio::post(io_, [done] { done(""); });
  }
  void read(ReadHandler handler) override {
    asio::post(io_, [this, handler] {
      if (closed_) return handler({}, asio::error::operation_aborted);
      if (at_ >= input_.size()) return handler({}, asio::error::eof);
      const auto piece = input_.subspan(at_, std::min(chunk_, input_.size() - at_));
      at_ += piece.size();
      handler(piece, {});
    });
  }
  void write(std::span<const uint8_t> bytes) override {
    if (!closed_) written_.insert(written_.end(), bytes.begin(), bytes.end());
  }
  size_t pending_write() const override { return 0; }
  void close() override { closed_ = true; }
  bool is_open() const override { return !closed_; }
  int native_handle() override { return -1; }
  asio::ip::address remote_address() const override { return asio::ip::make_address("127.0.0.1"); }

 private:
  asio::io_context& io_;
  std::span<const uint8_t> input_;
  size_t chunk_;
  std::vector<uint8_t>& written_;
  size_t at_ = 0;
  bool closed_ = false;
};

class Events : public client::TransportEvents, public common::Writable<client::ReceivedDatagram> {
 public:
  void on_connected(int) override {
    FUZZ_CHECK(!ended && !connected);
    connected = true;
  }
  // The packets the transport pipes into its receiver.
  bool write(client::ReceivedDatagram) override {
    FUZZ_CHECK(!ended && connected);
    return true;
  }
  void on_stray() override { FUZZ_CHECK(!ended); }
  void on_kernel_drops(uint32_t) override { FUZZ_CHECK(!ended); }
  void end() override {
    FUZZ_CHECK(!ended);
    ended = true;
  }
  void on_failed(const std::string& message) override {
    FUZZ_CHECK(!ended && !message.empty());
    ended = true;
  }
  void on_read_done() override {
    FUZZ_CHECK(!ended);
    if (transport && send_rtcp) transport->write(report);
  }

  client::RtspTransport* transport = nullptr;
  bool send_rtcp = false;
  std::vector<uint8_t> report = [] {
    std::vector<uint8_t> out;
    common::write_receiver_report(common::ReceiverReport{0x1234, {}}, out);
    return out;
  }();
  bool connected = false;
  bool ended = false;
};

// The challenges, sessions and requests in the server's bytes.
struct ServerSaid {
  std::vector<common::AuthChallenge> challenges;
  std::set<std::string> sessions;
  size_t responses = 0;
  size_t requests = 0;
};

ServerSaid read_server(std::span<const uint8_t> input) {
  ServerSaid said;
  common::RtspStreamReader reader;
  std::vector<common::RtspStreamReader::Item> items;
  reader.feed(input, items);
  for (const auto& item : items) {
    const auto* m = std::get_if<common::RtspMessage>(&item);
    if (!m) continue;
    if (!m->is_response) {
      ++said.requests;
      continue;
    }
    ++said.responses;
    if (auto s = m->header("Session"))
      if (auto parsed = common::parse_session(*s)) said.sessions.insert(parsed->id);
    std::vector<std::string_view> values;
    for (const auto& [name, value] : m->headers)
      if (name.size() == 16 && strncasecmp(name.c_str(), "WWW-Authenticate", 16) == 0)
        values.push_back(value);
    for (auto& c : common::parse_challenges(values)) said.challenges.push_back(c);
  }
  return said;
}

// The nc= of a Digest Authorization (1 without one). It is the last
// parameter but our cnonce: the server's realm, nonce and opaque, before it,
// may hold ", nc=" themselves.
unsigned nonce_count(std::string_view value) {
  const size_t at = value.rfind(", nc=");
  if (at == std::string_view::npos) return 1;
  const std::string_view digits = value.substr(at + 5, 8);
  unsigned nc = 1;
  std::from_chars(digits.data(), digits.data() + digits.size(), nc, 16);
  return nc;
}

void check_authorization(const common::RtspMessage& request, const ServerSaid& said,
                         bool credentials) {
  const auto value = request.header("Authorization");
  if (!value) return;
  FUZZ_CHECK(credentials && !said.challenges.empty());
  bool matched = false;
  for (const auto& challenge : said.challenges) {
    const unsigned nc =
        challenge.scheme == common::AuthChallenge::Scheme::digest ? nonce_count(*value) : 1;
    if (common::authorization(challenge, "viewer", "secret", request.method, request.uri, kHashes,
                              "f10ca57c", nc) == *value)
      matched = true;
  }
  FUZZ_CHECK(matched);
}

// Runs the handlers that are ready now (poll() stops the context when it
// runs out of work; restart() lets it run again).
void run_ready(asio::io_context& io) {
  io.restart();
  io.poll();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  const uint8_t split = in.u8();
  const uint8_t setup = in.u8();
  const std::span<const uint8_t> input = in.rest();
  const size_t chunk = static_cast<size_t>((split & 15) + 1) << ((split >> 4) & 7);
  const int mode = setup & 3;
  const bool credentials = (setup & 4) != 0;

  client::RtspOptions options =
      client::rtsp_options("rtsp://camera.example:8554/live", credentials ? "viewer" : "",
                           credentials ? "secret" : "", client::Transport::tcp);
  options.lower = mode == 1   ? client::Transport::udp
                  : mode == 2 ? client::Transport::automatic
                              : client::Transport::tcp;
  options.control_url = "rtsp://camera.example:8554/live/trackID=0";
  if (setup & 16) {
    client::AudioStreamOptions audio;
    audio.format = &media::aac_payload_format();
    audio.clock_rate = 44100;
    audio.channels = 2;
    audio.config = {0x12, 0x10};
    audio.control_url = "rtsp://camera.example:8554/live/trackID=1";
    options.audio = std::move(audio);
  }
  std::vector<uint8_t> written;
  auto make = [&](asio::io_context& io) {
    return std::make_unique<MemoryStream>(io, input, chunk, written);
  };

  if (mode == 3) {
    try {
      client::describe_rtsp(options, std::chrono::seconds(5), make);
    } catch (const std::runtime_error&) {
      // No stream flowcast can play: the user is told why.
    }
  } else {
    asio::io_context io;
    Events events;
    events.send_rtcp = (setup & 8) != 0;
    {
      client::RtspTransport transport(io, options, std::nullopt, make);
      events.transport = &transport;
      transport.pipe_receiver(events);
      transport.start(events);
      run_ready(io);
      // The stream ended: the transport with it.
      FUZZ_CHECK(events.ended);
      transport.close();
      run_ready(io);
    }
  }

  const ServerSaid said = read_server(input);
  common::RtspStreamReader reader;
  std::vector<common::RtspStreamReader::Item> items;
  FUZZ_CHECK(reader.feed(written, items));
  FUZZ_CHECK(reader.pending() == 0);
  uint32_t cseq = 0;
  size_t answers = 0;
  for (const auto& item : items) {
    if (const auto* frame = std::get_if<common::InterleavedFrame>(&item)) {
      FUZZ_CHECK(common::is_rtcp(frame->data));
      continue;
    }
    const auto& m = std::get<common::RtspMessage>(item);
    if (m.is_response) {
      ++answers;  // to a request of the server's
      continue;
    }
    FUZZ_CHECK(m.cseq() == ++cseq);
    FUZZ_CHECK(m.header("User-Agent") == std::string_view("flowcast-client"));
    if (auto s = m.header("Session")) FUZZ_CHECK(said.sessions.count(std::string(*s)) == 1);
    check_authorization(m, said, credentials);
  }
  FUZZ_CHECK(answers <= said.requests);
  FUZZ_CHECK(cseq <= 3 + 2 * said.responses);
  return 0;
}
