// Fuzz target: media::parse_sdp on the input as text (what flowcast-client
// --listen --sdp FILE reads). SdpError is its way to refuse; any other
// exception, or a crash, is a fault.
// Asserts: what it accepts is usable (an address, clock rate 90000,
// packetization mode 0 or 1, a 7-bit payload type, at most 16 non-empty
// parameter sets), and the SDP that write_sdp makes of it parses back to the
// same stream.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "media/sdp/sdp.hpp"

using namespace flowcast::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SdpDescription d;
  try {
    d = parse_sdp(text);
  } catch (const SdpError&) {
    return 0;
  }
  FUZZ_CHECK(!d.connection_address.empty());
  FUZZ_CHECK(d.clock_rate == 90000);
  FUZZ_CHECK(d.packetization_mode == 0 || d.packetization_mode == 1);
  FUZZ_CHECK(d.payload_type <= 127);
  FUZZ_CHECK(d.parameter_sets.size() <= kMaxParameterSets);
  for (const auto& set : d.parameter_sets) FUZZ_CHECK(!set.empty());

  const std::string written = write_sdp(d);
  if (written.size() > kMaxSdpBytes) return 0;  // our own lines pushed it past the limit
  SdpDescription again;
  try {
    again = parse_sdp(written);
  } catch (const SdpError& e) {
    std::fprintf(stderr, "write_sdp wrote what parse_sdp refuses: %s\n%s\n", e.what(),
                 written.c_str());
    flowcast::fuzz::check_failed("parse_sdp(write_sdp(d)) succeeds", __FILE__, __LINE__);
  }
  FUZZ_CHECK(again.connection_address == d.connection_address);
  FUZZ_CHECK(again.port == d.port);
  FUZZ_CHECK(again.rtcp_port == d.rtcp_port);
  FUZZ_CHECK(again.rtcp_mux == d.rtcp_mux);
  FUZZ_CHECK(again.payload_type == d.payload_type);
  FUZZ_CHECK(again.packetization_mode == d.packetization_mode);
  FUZZ_CHECK(again.profile_level_id == d.profile_level_id);
  FUZZ_CHECK(again.parameter_sets == d.parameter_sets);
  return 0;
}
