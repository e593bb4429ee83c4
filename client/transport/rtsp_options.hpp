#pragma once
// flowcast-client rtsp://[USER:PASS@]HOST[:PORT]/PATH: what the RTSP
// transport needs, from the URL and the command line, and from the SDP that
// DESCRIBE returns (RFC 2326 §10.2), read before playback starts so that
// the payload type, the payload format and the parameter sets are known
// when the pipeline is built.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "client/transport/audio_stream_options.hpp"
#include "client/transport/rtsp_byte_stream.hpp"
#include "client/transport/transport_kind.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

struct RtspOptions {
  static constexpr std::chrono::seconds kAutoUdpWait{2};

  common::RtspUrl url;  // its credentials moved to user and password
  std::string user;
  std::string password;
  // How RTP travels under RTSP (--transport; transport_kind.hpp).
  Transport lower = Transport::tcp;
  // From DESCRIBE.
  std::string control_url;  // what SETUP names: the video's a=control, resolved
  uint8_t payload_type = 96;
  const media::PayloadFormat* format = nullptr;  // set from the SDP
  std::vector<uint8_t> parameter_sets;           // sprop-parameter-sets as Annex B
  // The first audio track flowcast can play, set up beside the video
  // (interleaved channels 2-3, or a second UDP port pair); none without one.
  // Its control_url is its a=control, resolved as the video's is.
  std::optional<AudioStreamOptions> audio;
  // Why the SDP's audio is not set up, for a line to the user (its codec,
  // or no a=control of its own); empty when audio is set or there is none.
  std::string audio_ignored;
};

// The options for an rtsp:// URL; --user and --password (when not empty)
// take precedence over the URL's credentials. Throws std::invalid_argument
// when the URL is not one.
RtspOptions rtsp_options(std::string_view url, std::string user, std::string password,
                         Transport lower);

// Connects, sends DESCRIBE (answering a 401 with the credentials) and reads
// the SDP into options: the video, and the audio flowcast plays when it has
// an a=control of its own (media::parse_sdp_session). Blocks for timeout at most. Throws
// std::runtime_error with a message for the user: no server, credentials
// needed or refused, no such stream, or an SDP flowcast cannot play. The
// connection runs over what make_stream makes (TCP when empty).
void describe_rtsp(RtspOptions& options, std::chrono::milliseconds timeout,
                   const RtspStreamMaker& make_stream = {});

}  // namespace flowcast::client
