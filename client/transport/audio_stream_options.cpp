#include "client/transport/audio_stream_options.hpp"

namespace flowcast::client {

std::optional<AudioStreamOptions> audio_stream_options(const media::SdpDescription& audio) {
  const media::PayloadFormat* format = media::find_audio_payload_format(audio.encoding_name);
  if (!format) return std::nullopt;
  AudioStreamOptions o;
  o.payload_type = audio.payload_type;
  o.format = format;
  o.clock_rate = audio.clock_rate;
  o.channels = audio.channels ? audio.channels : 1;
  o.config = audio.config;
  return o;
}

}  // namespace flowcast::client
