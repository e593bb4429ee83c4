#pragma once
// --listen PORT --sdp FILE: what the client needs to receive plain RTP from
// any sender the SDP describes (ffmpeg -f rtp, flowcast-server --push, VLC,
// GStreamer), read from that SDP (media/sdp/sdp.hpp) when the client starts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/transport/audio_stream_options.hpp"
#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"

namespace flowcast::client {

struct ListenOptions {
  uint16_t port = 0;                  // RTP arrives here (--listen)
  std::optional<uint16_t> rtcp_port;  // RTCP here; none: on the RTP port (a=rtcp-mux)
  bool ipv6 = false;                  // the SDP's address is IPv6: listen on IPv6
  uint8_t payload_type = 96;          // other payload types are counted and dropped
  // The payload format the SDP's a=rtpmap names for payload_type.
  const media::PayloadFormat* format = nullptr;  // set from the SDP
  // sprop-parameter-sets as Annex B (start codes), for senders that do not
  // repeat SPS/PPS in-band; empty when the SDP has none.
  std::vector<uint8_t> parameter_sets;
  std::string sdp_path;
  // The SDP's first m=audio section flowcast can play; none without one.
  // Its port is the m=audio port (where the sender was told to send it),
  // its rtcp_port a=rtcp, or none with a=rtcp-mux, or else port + 1.
  std::optional<AudioStreamOptions> audio;
  // Why the SDP's audio is not received, for a line to the user (its
  // codec, or ports that clash with the video's); empty when audio is set
  // or the SDP has no m=audio.
  std::string audio_ignored;
};

// sprop-parameter-sets as Annex B (start codes), for the depacketizer.
std::vector<uint8_t> annexb_parameter_sets(const std::vector<std::vector<uint8_t>>& sets);

// Reads the SDP file and takes what the listener needs from it: payload type
// (its clock rate must be 90000), parameter sets, and RTCP's port (a=rtcp,
// a=rtcp-mux, or else PORT + 1 as RFC 3550 §11 has it); and the audio
// (media::parse_sdp_session) when it is one flowcast plays, on a port other
// than the video's RTP and RTCP ports (else audio_ignored says why). Blocks
// on the file system. Throws std::runtime_error, with a message for the user, when the
// file cannot be read or the SDP is not something the client can receive.
ListenOptions read_listen_options(uint16_t port, const std::string& sdp_path);

}  // namespace flowcast::client
