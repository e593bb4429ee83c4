#include "client/transport/listen_options.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "media/sdp/sdp.hpp"

namespace flowcast::client {

ListenOptions read_listen_options(uint16_t port, const std::string& sdp_path) {
  std::ifstream in(sdp_path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read the SDP file " + sdp_path + ": " + std::strerror(errno));
  // One byte more than the parser takes, so a larger file is refused, not cut.
  std::string text(media::kMaxSdpBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));

  media::SdpDescription sdp;
  try {
    sdp = media::parse_sdp(text);
  } catch (const media::SdpError& e) {
    throw std::runtime_error("cannot use the SDP file " + sdp_path + ": " + e.what());
  }
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
