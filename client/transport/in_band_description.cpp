// NetworkSource's reading of the session's in-band description (the class
// comment in network_source.hpp): the RTCP APP "FCSD" flowcast-server sends
// over its own TCP and UDP, whose SDP names the audio beside the video.
#include <string_view>

#include "client/transport/network_source.hpp"
#include "media/sdp/sdp.hpp"

namespace flowcast::client {

std::optional<AudioStreamOptions> NetworkSource::take_described_audio() {
  std::lock_guard lock(mutex_);
  auto audio = std::move(described_audio_);
  described_audio_.reset();
  return audio;
}

void NetworkSource::on_apps(const common::RtcpCompound& rtcp) {
  if (rtcp.malformed_apps > 0)
    count([&](SourceCounters& c) { c.malformed += rtcp.malformed_apps; });
  for (const auto& app : rtcp.apps) {
    if (described_ || audio_) return;
    if (app.name != common::kAppSessionDescription || app.subtype != 0) continue;
    // The sender played; before any media, the server this client reached.
    if (media_ssrc_ ? app.ssrc != *media_ssrc_ : !transport_->traits().sends_feedback) continue;
    on_description(app.data);
  }
}

void NetworkSource::on_description(std::span<const uint8_t> data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);  // the 32-bit padding
  std::optional<AudioStreamOptions> audio;
  try {
    const media::SdpSession session = media::parse_sdp_session(text);
    if (session.audio) audio = audio_stream_options(*session.audio);
  } catch (const media::SdpError&) {
    count([](SourceCounters& c) { ++c.malformed; });
    return;
  }
  described_ = true;
  // The video's own payload type cannot be the audio's.
  if (!audio || audio->payload_type == payload_type_) return;
  {
    std::lock_guard lock(mutex_);
    described_audio_ = std::move(audio);
  }
  changed();
}

}  // namespace flowcast::client
