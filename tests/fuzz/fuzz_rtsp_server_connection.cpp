// Fuzz target: the server's end of an RTSP connection,
// server::RtspServerProtocol, fed a client's byte stream in chunks, with the
// real RtspListener around it (bound to 127.0.0.1, never started: nothing is
// accepted or sent) and real RtspSessions of the live source, admitted as
// the server admits them. The one piece without a socket is the Wire: it
// collects what the protocol writes, and drains it after each chunk (or
// never, for a client that does not read). So request parsing on a stream
// split anywhere, OPTIONS, DESCRIBE, SETUP (UDP client_port, TCP
// interleaved), PLAY, PAUSE, TEARDOWN, GET_PARAMETER, unknown methods,
// Session headers, pipelining, interleaved RTCP from the client between
// requests, oversize heads and bodies, and the connection's bounds all run
// as in flowcast-server.
// Input: byte 0: chunk size ((h & 15) + 1) << ((h >> 4) & 7) bytes; byte 1:
// bit 0 no TCP, bit 1 no UDP, bit 2 no description yet (DESCRIBE 503), bit 3
// --max-clients 1, bit 4 the client reads nothing (send queue of 4 KiB),
// bits 5..7 seconds that pass after each chunk (the timeouts); then the
// client's bytes. Sessions are named 0000000000000001, 0000000000000002...
// in the order they are set up, so an input can name them.
// Asserts: what the protocol writes reads back (RtspStreamReader, default
// RtspLimits, which flowcast-client reads with) as responses and RTCP
// frames only; the i-th response carries the i-th request's CSeq, so every
// request is answered once, in order, until the connection closes; a stream
// the reader refuses ends with a 400 and a close; a SETUP answered 200
// names a new 16-hex-digit session, and a Transport on the channels or
// client ports it was given; Session headers name only sessions set up on
// this connection; at most kMaxSessions sessions; the queue never holds
// more than its bound and one answer.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "fuzz_input.hpp"
#include "server/transport/rtsp_listener.hpp"
#include "server/transport/rtsp_server_protocol.hpp"

using namespace flowcast;
using server::RtspServerProtocol;

namespace {

class Host : public server::SessionHost {
 public:
  void request_keyframe(server::KeyframeLimiter::Reason) override {}
  void session_ended(const std::shared_ptr<server::Session>&) override {}
  bool overloaded() const override { return false; }
  void frame_skipped() override {}
  void sent(uint64_t) override {}
};

// What the protocol writes, as a connection that the client reads from
// after every chunk (or never).
class MemoryWire : public RtspServerProtocol::Wire {
 public:
  void write(std::span<const uint8_t> bytes) override {
    FUZZ_CHECK(!closed);
    out.insert(out.end(), bytes.begin(), bytes.end());
    queued += bytes.size();
    peak = std::max(peak, queued);
  }
  size_t queued_bytes() const override { return queued; }
  void close_after_write() override { closing = true; }
  void close(const std::string&) override { closed = true; }

  std::vector<uint8_t> out;
  size_t queued = 0;
  size_t peak = 0;
  bool closing = false;
  bool closed = false;
};

// Every request in the client's bytes (as the protocol's own reader cuts
// them) up to where the reader fails.
struct Requests {
  std::vector<common::RtspMessage> list;
  bool malformed = false;
};

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
  const std::span<const uint8_t> stream = in.rest();
  const size_t chunk = static_cast<size_t>((split & 15) + 1) << ((split >> 4) & 7);
  const bool reads = (setup & 16) == 0;
  const auto step = std::chrono::seconds((setup >> 5) & 7);

  server::RtspServerConfig config;
  config.allow_tcp = (setup & 1) == 0;
  config.allow_udp = (setup & 2) == 0;
  if (!reads) config.send_queue_bytes = 4096;
  const size_t max_clients = (setup & 8) ? 1 : 8;

  Requests requests;
  {
    common::RtspStreamReader reader;
    std::vector<common::RtspStreamReader::Item> items;
    requests.malformed = !reader.feed(stream, items);
    for (auto& item : items)
      if (auto* m = std::get_if<common::RtspMessage>(&item); m && !m->is_response)
        requests.list.push_back(std::move(*m));
  }

  asio::io_context io;
  Host host;
  size_t admitted = 0;
  auto listener = std::make_unique<server::RtspListener>(
      io, asio::ip::make_address("127.0.0.1"), 0, config, host, server::SessionSource{},
      [&](server::Transport, const std::string&,
          const server::RtspListener::Make& make) -> std::shared_ptr<server::Session> {
        if (admitted >= max_clients) return nullptr;
        ++admitted;
        auto session = make(admitted);
        session->begin();
        return session;
      });
  if ((setup & 4) == 0) {
    media::SdpDescription description;
    description.profile_level_id = "42c01e";
    description.parameter_sets = {{0x67, 0x42, 0xc0, 0x1e}, {0x68, 0xce, 0x3c, 0x80}};
    // A file with sound: a second track (track2) to SETUP, or not.
    media::SdpDescription audio;
    audio.media = "audio";
    audio.payload_type = 97;
    audio.encoding_name = "opus";
    audio.clock_rate = 48000;
    audio.channels = 2;
    listener->set_description({description, audio});
  }

  MemoryWire wire;
  auto now = std::chrono::steady_clock::now();
  const auto peer = asio::ip::make_address("127.0.0.1");
  // Session identifiers the input can name: 0000000000000001, 2, ...
  uint64_t next_id = 0;
  auto protocol = std::make_shared<RtspServerProtocol>(
      *listener, wire, peer, "127.0.0.1:40000", now, [&next_id] {
        char id[17];
        std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(++next_id));
        return std::string(id);
      });
  for (size_t at = 0; at < stream.size() && !protocol->closed(); at += chunk) {
    protocol->feed(stream.subspan(at, std::min(chunk, stream.size() - at)), now);
    FUZZ_CHECK(protocol->session_count() <= RtspServerProtocol::kMaxSessions);
    run_ready(io);
    if (reads) {
      wire.queued = 0;
      protocol->drained();
    }
    now += step;
    protocol->tick(now);
  }
  const bool closed_early = protocol->closed() || protocol->closing();
  protocol->close("the input ended");
  run_ready(io);

  // The answers, as a client reads them.
  common::RtspStreamReader reader;
  std::vector<common::RtspStreamReader::Item> items;
  FUZZ_CHECK(reader.feed(wire.out, items));
  FUZZ_CHECK(reader.pending() == 0);
  FUZZ_CHECK(wire.peak <= config.send_queue_bytes + RtspServerProtocol::kResponseAllowance +
                              common::RtspLimits{}.max_head_bytes +
                              common::RtspLimits{}.max_body_bytes);
  size_t answered = 0;
  std::set<std::string> sessions;
  bool bad_stream_answered = false;
  for (const auto& item : items) {
    if (const auto* frame = std::get_if<common::InterleavedFrame>(&item)) {
      FUZZ_CHECK(common::is_rtcp(frame->data));  // a live session sent no RTP: its BYE
      continue;
    }
    const auto& response = std::get<common::RtspMessage>(item);
    FUZZ_CHECK(response.is_response);
    FUZZ_CHECK(!bad_stream_answered);  // nothing after the 400 that ends the stream
    if (answered == requests.list.size()) {
      // The answer to a stream the reader could not read: no request, no CSeq.
      FUZZ_CHECK(requests.malformed && response.status == 400 && !response.header("CSeq"));
      bad_stream_answered = true;
      continue;
    }
    const auto& request = requests.list[answered++];
    FUZZ_CHECK(response.header("CSeq") == request.header("CSeq"));
    FUZZ_CHECK(response.status >= 200 && response.status < 600);
    if (response.status >= 300) continue;
    const auto session = response.header("Session");
    if (request.method == "SETUP") {
      FUZZ_CHECK(session && response.header("Transport"));
      const auto parsed = common::parse_session(*session);
      FUZZ_CHECK(parsed && parsed->id.size() == 16 && parsed->timeout_s == 60);
      FUZZ_CHECK(sessions.insert(parsed->id).second);
      const auto spec = common::parse_transport(*response.header("Transport"));
      FUZZ_CHECK(spec && spec->unicast);
      if (spec->tcp) {
        FUZZ_CHECK(config.allow_tcp && spec->interleaved &&
                   spec->interleaved->second == spec->interleaved->first + 1);
      } else {
        FUZZ_CHECK(config.allow_udp && spec->client_port && spec->server_port &&
                   spec->client_port->first != 0);
      }
    } else if (session) {
      const auto parsed = common::parse_session(*session);
      FUZZ_CHECK(parsed && sessions.count(parsed->id) == 1);
    }
  }
  if (!closed_early) {
    // Every request was read and answered.
    FUZZ_CHECK(answered == requests.list.size());
    FUZZ_CHECK(!requests.malformed);  // a stream the reader refuses closes
  }
  protocol.reset();
  listener.reset();
  return 0;
}
