#include "server/source/audio_stream.hpp"

#include <span>
#include <vector>

namespace flowcast::server {

MediaStreamDescription describe_audio(const media::AudioTrackInfo& audio) {
  MediaStreamDescription stream;
  stream.format = media::find_audio_payload_format(audio.codec_id);
  stream.sample_rate = static_cast<uint32_t>(audio.sample_rate);
  std::vector<std::span<const uint8_t>> config;
  if (!audio.config.empty()) config.emplace_back(audio.config);
  auto parameters = stream.format->describe(config);
  if (!parameters) return stream;
  media::SdpDescription sdp;
  sdp.media = "audio";
  sdp.connection_address = "0.0.0.0";
  sdp.port = 0;
  sdp.payload_type = stream.payload_type();
  sdp.encoding_name = std::string(stream.format->encoding_name);
  sdp.clock_rate = stream.clock_rate();
  sdp.channels = static_cast<uint32_t>(audio.channels);
  sdp.config = std::move(parameters->config);
  stream.sdp = std::move(sdp);
  return stream;
}

}  // namespace flowcast::server
