// Fuzz target: the client's receiver side, client::NetworkSource, over an
// RTP stream framed as RFC 4571 (what flowcast-client reads over TCP), with
// the real ReceiveBuffer below it. The transport is the one piece without a
// socket: it hands the deframed packets to the source on the source's own
// network thread, as a TCP transport does after a read, then closes. So the
// datagram demultiplexing (RTP or RTCP, RFC 5761), the SSRC lock and payload
// type filter, fillers, SSRC switching after a BYE, sender reports and BYE
// handling, the session's in-band description (RTCP APP "FCSD", read as
// over flowcast-server's own TCP), NACKs (--nack) and the buffer's restarts
// all run as in the client.
// Input: byte 0: bit 0 --nack; bits 1..2 the overflow policy; bits 3..7:
// --buffer-max (n + 1) x 100 ms; then the TCP byte stream, fed in reads of
// up to 1500 bytes (each followed by on_read_done, as after a read).
// Asserts: the source ends (a BYE then the close: ended; else failed); every
// RTCP packet it sends parses, and each NACK asks for at most
// kMaxTrackedGaps packets; the buffer holds at most its bounds after each
// read, and everything left in it comes out at the end; an audio the
// description names has an audio payload format, a clock rate, 1..255
// channels and a payload type other than the video's, and is taken once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "client/client_options.hpp"
#include "client/playout/playout_clock.hpp"
#include "client/playout/playout_policy.hpp"
#include "client/playout/receive_buffer.hpp"
#include "client/playout/receive_path.hpp"
#include "client/transport/network_source.hpp"
#include "client/transport/rtp_transport.hpp"
#include "common/rtp/rfc4571.hpp"
#include "common/rtp/rtcp.hpp"
#include "common/rtp/rtp_packet.hpp"
#include "fuzz_input.hpp"

using namespace flowcast;
using client::ReceiveBuffer;

namespace {

// The bytes of one TCP connection, read in chunks.
class ByteStreamTransport : public client::RtpTransport {
 public:
  ByteStreamTransport(std::span<const uint8_t> stream, const ReceiveBuffer& buffer)
      : stream_(stream), buffer_(buffer) {
    traits_.carrier = client::Transport::tcp;
    traits_.sends_feedback = true;
    // As over TCP: after a BYE the close ends the stream.
  }
  void start(client::TransportEvents& events) override {
    events.on_connected(0);
    common::Rfc4571Deframer deframer;
    for (size_t at = 0; at < stream_.size() && !closed_; at += 1500) {
      const auto chunk = stream_.subspan(at, std::min<size_t>(1500, stream_.size() - at));
      deframer.feed(chunk, [&](std::span<const uint8_t> packet) {
        if (!closed_) deliver(packet);  // read on whatever it says: all is read at once
      });
      if (closed_) return;
      events.on_read_done();
      const auto s = buffer_.snapshot();
      FUZZ_CHECK(s.bytes <= s.byte_bound && s.held_packets <= s.packet_bound);
    }
    if (!closed_) end_downstream();
  }
  bool write(client::RtcpPacket packet) override {
    FUZZ_CHECK(common::is_rtcp(packet));
    const auto rtcp = common::parse_rtcp(packet);
    FUZZ_CHECK(rtcp.has_value());
    for (const auto& nack : rtcp->nacks)
      FUZZ_CHECK(nack.lost_sequences.size() <= ReceiveBuffer::kMaxTrackedGaps);
    sent_.fetch_add(1);
    return true;
  }
  client::KernelQueue sample_kernel() override { return {}; }
  void close() override { closed_ = true; }
  const client::TransportTraits& traits() const override { return traits_; }
  std::string where() const override { return "a fuzzed byte stream"; }

 protected:
  void resume_reading() override {}  // the stream is all read at once

 private:
  std::span<const uint8_t> stream_;
  const ReceiveBuffer& buffer_;
  client::TransportTraits traits_;
  bool closed_ = false;
  std::atomic<int> sent_{0};
};

// The rest, once the stream ended: through the playout policy (poll_next)
// at a fake time, nothing due yet, so whole access units leave and the
// others as they are.
std::optional<client::AccessUnitPayloads> take_at_end(ReceiveBuffer& buffer) {
  const auto now = client::SteadyTime{} + std::chrono::hours(10000);
  client::PlayoutClock clock;
  clock.start(now + std::chrono::hours(10000), -(int64_t{1} << 40));
  const client::PlayoutPolicy policy(client::PlayoutConfig{}, clock);
  return buffer.poll_next(policy, now);
}

void check_unit(const client::AccessUnitPayloads& unit) {
  FUZZ_CHECK(!unit.payloads.empty());
  FUZZ_CHECK(unit.gap_before.size() == unit.payloads.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in({data, size});
  const uint8_t setup = in.u8();
  const std::span<const uint8_t> stream = in.rest();

  client::SourceOptions options;
  options.nack = (setup & 1) != 0;
  options.describes_in_band = true;  // as over flowcast-server's own TCP
  client::ReceiveBufferConfig config;
  config.policy = static_cast<client::OverflowPolicy>((setup >> 1) & 3);
  config.capacity = std::chrono::milliseconds(100) * ((setup >> 3) + 1);
  config.track_gaps = options.nack;
  client::ReceivePath path(config);
  ReceiveBuffer& buffer = path.buffer();
  {
    client::NetworkSource source(
        options, path, std::chrono::steady_clock::now(),
        [&](asio::io_context&) { return std::make_unique<ByteStreamTransport>(stream, buffer); });
    source.start();
    // The whole stream is read, then the transport closes: the source ends.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((source.status() == client::SourceStatus::connecting ||
            source.status() == client::SourceStatus::streaming) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    const auto status = source.status();
    FUZZ_CHECK(status == client::SourceStatus::ended || status == client::SourceStatus::failed);
    source.stop();
    if (const auto audio = source.take_described_audio()) {
      FUZZ_CHECK(audio->format != nullptr && audio->clock_rate > 0);
      FUZZ_CHECK(audio->channels >= 1 && audio->channels <= 255);
      FUZZ_CHECK(audio->payload_type != options.payload_type);
      FUZZ_CHECK(!source.take_described_audio());
    }
    const auto counters = source.counters();
    // Every switch follows packets of the new sender (a BYE alone switches
    // nothing). Whether one was allowed (the played sender's BYE, its
    // silence, or a new sender opening a keyframe once the old one has been
    // quiet for longer than its usual gap) depends on arrival times, which a
    // run without real time between reads does not model; the unit and
    // integration tests of NetworkSource check the rules.
    const auto s = buffer.snapshot();
    const auto statistics = path.statistics();
    FUZZ_CHECK(counters.ssrc_changes <= statistics.counters.received + counters.foreign_ssrc);
    FUZZ_CHECK(s.end_of_stream);
    FUZZ_CHECK(s.bytes <= s.byte_bound && s.held_packets <= s.packet_bound);
    // The receiver statistics: numbers within the space, jitter bounded.
    FUZZ_CHECK(statistics.jitter <= ReceiveBuffer::kMaxJitter90k);
    const auto& c = statistics.counters;
    FUZZ_CHECK(c.duplicate + c.strays <= c.received);
    FUZZ_CHECK(c.received == 0 || c.highest >= c.base);
    // Drained while the source (whose drain callback the buffer calls) lives.
    while (const auto unit = take_at_end(buffer)) check_unit(*unit);
    const auto last = buffer.snapshot();
    FUZZ_CHECK(last.empty && last.bytes == 0);
  }
  return 0;
}
