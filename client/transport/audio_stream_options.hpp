#pragma once
// The audio stream of a session as its SDP describes it (an m=audio
// section, RFC 8866 §5.14): what the client needs to receive it beside the
// video, from --listen's SDP file or RTSP's DESCRIBE. flowcast-server's own
// TCP and UDP carry no SDP.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"

namespace flowcast::client {

struct AudioStreamOptions {
  uint8_t payload_type = 97;  // its RTP payload type (DESIGN.md: 97, or 0/8 for G.711)
  // Its payload format: an entry of media::audio_payload_formats().
  const media::PayloadFormat* format = nullptr;
  uint32_t clock_rate = 0;  // RTP timestamp ticks per second: the rtpmap's rate (Hz)
  uint32_t channels = 1;    // the rtpmap's channels (1 when it names none)
  // AAC: the AudioSpecificConfig (fmtp config=, RFC 3640 §4.1); else empty.
  std::vector<uint8_t> config;
  // RTSP: the audio's a=control, resolved (what its SETUP names).
  std::string control_url;
  // --listen: where its RTP arrives (the m=audio port), and its RTCP
  // (a=rtcp; none: on the RTP port with a=rtcp-mux, else port + 1).
  uint16_t port = 0;
  std::optional<uint16_t> rtcp_port;
};

// The stream an SDP's audio describes (media::SdpSession::audio): its
// payload type, format, clock rate, channels and config. The ports and the
// control URL are left for the transport's options to set. nullopt when
// the description names no audio payload format (find_audio_payload_format).
std::optional<AudioStreamOptions> audio_stream_options(const media::SdpDescription& audio);

}  // namespace flowcast::client
