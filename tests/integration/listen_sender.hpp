#pragma once
// Test support for integration tests: a plain-RTP sender crafted by hand
// into flowcast-client --listen, with an SDP made from the stream's own
// parameter sets. The test owns every header field (sequence numbers,
// timestamps, markers, SSRC, payload type, padding), so it can shape the
// stream as real senders do: cameras, encoders and WebRTC stacks.
//
// With a peer, every datagram also goes, unchanged, to ffmpeg reading its
// own copy of the SDP, so a test can compare what flowcast makes of a stream
// with what ffmpeg makes of the very same datagrams.
//
// Test thread only. Throws (through Catch's REQUIRE) when a port or a
// process cannot be had.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "media/codec/encoded_frame.hpp"
#include "support/process.hpp"
#include "support/udp_peer.hpp"

namespace flowcast::test {

// The access units of a clip, read with the project's file source.
std::vector<media::EncodedFrame> frames_of(const std::string& clip);
// ffmpeg's framemd5 hashes of a clip (the bit-exact reference).
std::vector<std::string> reference_hashes(const TempDir& dir, const std::string& clip);
// How many of got are right pictures: hashes found in reference, each
// reference picture counted once.
size_t right_pictures(const std::vector<std::string>& got, std::vector<std::string> reference);

class ListenSender {
 public:
  static constexpr uint32_t kSsrc = 0x0bad5eed;

  // Starts flowcast-client --listen (after `wrapper`, with `extra`
  // arguments) and, with_ffmpeg, ffmpeg on another port; waits until both
  // have bound their ports. `first` carries the SPS and PPS for the SDP.
  ListenSender(const TempDir& dir, const media::EncodedFrame& first,
               std::vector<std::string> extra = {}, std::vector<std::string> wrapper = {},
               bool with_ffmpeg = false);

  // The header of the next packet: send() and send_padding() increment its
  // sequence number.
  common::RtpHeader& header() { return header_; }
  // One RTP packet with the header's SSRC, payload type and sequence number.
  void send(std::span<const uint8_t> payload, uint32_t timestamp, bool marker);
  // A packet with the P bit and nothing but 4 bytes of padding (RFC 3550 §5.1).
  void send_padding(uint32_t timestamp);
  // A datagram as it is, to the RTP port (rtcp: the RTCP port) of each receiver.
  void send_datagram(const std::vector<uint8_t>& datagram, bool rtcp = false);
  // The frames as RFC 6184 packets of at most 1200 bytes, the marker on the
  // last of each, paced as a real-time sender (33 ms apart); timestamps are
  // the frames' pts plus ts_offset. `after` runs after each frame.
  void send_frames(const std::vector<media::EncodedFrame>& frames, uint32_t ts_offset,
                   const std::function<void(uint32_t ts)>& after = {});
  // An RTCP BYE from ssrc (an empty receiver report first, RFC 3550 §6.1).
  void bye(uint32_t ssrc);
  // BYE from the header's SSRC, then the client's exit code (nullopt: still
  // running after timeout). ffmpeg, if any, ends on the BYE too.
  std::optional<int> finish(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::string log() const;
  nlohmann::json metrics() const;
  std::vector<std::string> hashes() const;
  // What ffmpeg decoded (with_ffmpeg): waits for it to end first.
  std::vector<std::string> ffmpeg_hashes();

 private:
  const TempDir& dir_;
  uint16_t port_;
  uint16_t ffmpeg_port_ = 0;
  UdpSender socket_;
  common::RtpHeader header_;
  std::optional<Process> client_;
  std::optional<Process> ffmpeg_;
};

}  // namespace flowcast::test
