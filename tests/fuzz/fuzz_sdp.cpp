// Fuzz target: media::parse_sdp_session on the input as text (what
// flowcast-client --listen --sdp FILE and an RTSP DESCRIBE read), the video
// and the audio beside it. SdpError is its way to refuse; any other
// exception, or a crash, is a fault.
// Asserts: what it accepts is usable (an address, clock rate 90000,
// packetization mode 0 or 1, a 7-bit payload type, at most 16 non-empty
// parameter sets; audio of an audio payload format, at its fixed clock rate
// if it has one, with 1..255 channels, and a reason whenever the SDP's audio
// is left out), parse_sdp reads the same video, and the SDP that write_sdp
// makes of the video and its audio parses back to the same streams.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "media/sdp/sdp.hpp"

using namespace flowcast::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SdpSession session;
  try {
    session = parse_sdp_session(text);
  } catch (const SdpError&) {
    return 0;
  }
  const SdpDescription& d = session.video;
  FUZZ_CHECK(!d.connection_address.empty());
  FUZZ_CHECK(d.clock_rate == 90000);
  FUZZ_CHECK(d.packetization_mode == 0 || d.packetization_mode == 1);
  FUZZ_CHECK(d.payload_type <= 127);
  FUZZ_CHECK(d.parameter_sets.size() <= kMaxParameterSets);
  for (const auto& set : d.parameter_sets) FUZZ_CHECK(!set.empty());
  // The video alone, as parse_sdp has always read it.
  const SdpDescription alone = parse_sdp(text);
  FUZZ_CHECK(alone.port == d.port && alone.parameter_sets == d.parameter_sets);

  std::vector<SdpDescription> streams = {d};
  if (session.audio) {
    const SdpDescription& a = *session.audio;
    FUZZ_CHECK(session.audio_ignored.empty());
    FUZZ_CHECK(a.media == "audio");
    const PayloadFormat* format = find_audio_payload_format(a.encoding_name);
    FUZZ_CHECK(format != nullptr);
    FUZZ_CHECK(a.clock_rate > 0);
    FUZZ_CHECK(format->clock_rate == 0 || a.clock_rate == format->clock_rate);
    FUZZ_CHECK(a.channels >= 1 && a.channels <= 255);
    FUZZ_CHECK(a.payload_type <= 127);
    FUZZ_CHECK(!a.connection_address.empty());
    streams.push_back(a);
  } else if (text.find("m=audio") == std::string_view::npos) {
    FUZZ_CHECK(session.audio_ignored.empty());
  }

  const std::string written = write_sdp(std::span<const SdpDescription>(streams));
  if (written.size() > kMaxSdpBytes) return 0;  // our own lines pushed it past the limit
  SdpSession again;
  try {
    again = parse_sdp_session(written);
  } catch (const SdpError& e) {
    std::fprintf(stderr, "write_sdp wrote what parse_sdp_session refuses: %s\n%s\n", e.what(),
                 written.c_str());
    flowcast::fuzz::check_failed("parse_sdp_session(write_sdp(d)) succeeds", __FILE__, __LINE__);
  }
  FUZZ_CHECK(again.video.connection_address == d.connection_address);
  FUZZ_CHECK(again.video.port == d.port);
  FUZZ_CHECK(again.video.rtcp_port == d.rtcp_port);
  FUZZ_CHECK(again.video.rtcp_mux == d.rtcp_mux);
  FUZZ_CHECK(again.video.payload_type == d.payload_type);
  FUZZ_CHECK(again.video.packetization_mode == d.packetization_mode);
  FUZZ_CHECK(again.video.profile_level_id == d.profile_level_id);
  FUZZ_CHECK(again.video.parameter_sets == d.parameter_sets);
  FUZZ_CHECK(again.audio.has_value() == session.audio.has_value());
  if (session.audio && again.audio) {
    const SdpDescription& a = *session.audio;
    const SdpDescription& b = *again.audio;
    FUZZ_CHECK(b.encoding_name == a.encoding_name);
    FUZZ_CHECK(b.port == a.port);
    FUZZ_CHECK(b.rtcp_port == a.rtcp_port);
    FUZZ_CHECK(b.rtcp_mux == a.rtcp_mux);
    FUZZ_CHECK(b.payload_type == a.payload_type);
    FUZZ_CHECK(b.clock_rate == a.clock_rate);
    FUZZ_CHECK(b.channels == a.channels);
    FUZZ_CHECK(b.config == a.config);
    FUZZ_CHECK(b.control == a.control);
  }
  return 0;
}
