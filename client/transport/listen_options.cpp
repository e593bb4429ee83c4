#include "client/transport/listen_options.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "media/sdp/sdp.hpp"

namespace flowcast::client {
namespace {

// The audio a listener receives beside the video: on the SDP's m=audio port
// and its RTCP port, when none of them is one the video binds.
std::optional<AudioStreamOptions> listen_audio(const ListenOptions& listen,
                                               const media::SdpDescription& sdp,
                                               std::string& ignored) {
  auto audio = audio_stream_options(sdp);
  if (!audio) return std::nullopt;
  if (sdp.port == 0) {
    ignored = "its m=audio names port 0: no port to receive the audio on";
    return std::nullopt;
  }
  audio->port = sdp.port;
  if (!sdp.rtcp_mux) {
    if (sdp.rtcp_port)
      audio->rtcp_port = sdp.rtcp_port;
    else if (sdp.port < 65535)
      audio->rtcp_port = static_cast<uint16_t>(sdp.port + 1);
  }
  const auto clashes = [&](uint16_t port) {
    return port == listen.port || (listen.rtcp_port && port == *listen.rtcp_port);
  };
  if (clashes(audio->port) || (audio->rtcp_port && clashes(*audio->rtcp_port)) ||
      (audio->rtcp_port && *audio->rtcp_port == audio->port)) {
    ignored = "its audio's ports (RTP " + std::to_string(audio->port) +
              (audio->rtcp_port ? ", RTCP " + std::to_string(*audio->rtcp_port) : "") +
              ") clash with the video's on --listen " + std::to_string(listen.port) +
              ": give --listen the SDP's m=video port";
    return std::nullopt;
  }
  return audio;
}

}  // namespace

ListenOptions read_listen_options(uint16_t port, const std::string& sdp_path) {
  std::ifstream in(sdp_path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read the SDP file " + sdp_path + ": " + std::strerror(errno));
  // One byte more than the parser takes, so a larger file is refused, not cut.
  std::string text(media::kMaxSdpBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));

  media::SdpSession session;
  try {
    session = media::parse_sdp_session(text);
  } catch (const media::SdpError& e) {
    throw std::runtime_error("cannot use the SDP file " + sdp_path + ": " + e.what());
  }
  const media::SdpDescription& sdp = session.video;
  ListenOptions listen;
  listen.port = port;
  listen.sdp_path = sdp_path;
  listen.payload_type = sdp.payload_type;
  listen.format = media::find_payload_format(sdp.encoding_name);
  if (!listen.format)
    throw std::runtime_error(sdp_path + ": flowcast cannot depacketize " + sdp.encoding_name);
  listen.ipv6 = sdp.connection_address.find(':') != std::string::npos;
  if (!sdp.rtcp_mux) {
    // The SDP's m= port is where its sender was told to send; --listen is
    // where we are, and RTCP goes one port up from there unless a=rtcp says.
    if (sdp.rtcp_port)
      listen.rtcp_port = sdp.rtcp_port;
    else if (port < 65535)
      listen.rtcp_port = static_cast<uint16_t>(port + 1);
  }
  listen.parameter_sets = annexb_parameter_sets(sdp.parameter_sets);
  listen.audio_ignored = session.audio_ignored;
  if (session.audio) listen.audio = listen_audio(listen, *session.audio, listen.audio_ignored);
  return listen;
}

std::vector<uint8_t> annexb_parameter_sets(const std::vector<std::vector<uint8_t>>& sets) {
  static constexpr uint8_t kStartCode[] = {0, 0, 0, 1};
  std::vector<uint8_t> out;
  for (const auto& set : sets) {
    out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
    out.insert(out.end(), set.begin(), set.end());
  }
  return out;
}

}  // namespace flowcast::client
