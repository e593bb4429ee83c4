#include "server/source/sdp_file.hpp"

#include <chrono>
#include <stdexcept>

#include "common/util/atomic_file.hpp"
#include "media/payload/annexb.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::server {
namespace {
// A stream that has no SPS/PPS in this many access units has none to give.
constexpr int kParameterSetSearchFrames = 300;
}  // namespace

SdpFile::SdpFile(std::string path, std::string origin, std::string address, uint16_t port,
                 const media::PayloadFormat& format)
    : format_(&format),
      path_(std::move(path)),
      origin_(std::move(origin)),
      address_(std::move(address)),
      port_(port) {}

std::optional<media::SdpDescription> SdpFile::describe(
    const std::vector<std::span<const uint8_t>>& nals) const {
  return media::describe_stream(*format_, nals, address_, port_);
}

bool SdpFile::offer(const std::vector<std::span<const uint8_t>>& nals) {
  if (written_) return true;
  auto description = describe(nals);
  if (!description) return false;
  description->origin_address = origin_;
  // RFC 8866 §5.2 suggests an NTP-style timestamp for sess-id.
  description->session_id =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  std::string error;
  if (!common::write_file_atomic(path_, media::write_sdp(*description), error))
    throw std::runtime_error(error + " (--sdp wants a writable path)");
  written_ = true;
  return true;
}

bool SdpFile::offer(const PacketizedFrame& frame) {
  std::vector<std::span<const uint8_t>> payloads(frame.payloads.begin(), frame.payloads.end());
  return offer(payloads);
}

void SdpFile::offer_file(const std::string& input) {
  media::FileSource file(input);
  format_ = &media::payload_format_for(file.info().codec_id);
  for (int i = 0; i < kParameterSetSearchFrames; ++i) {
    auto frame = file.next();
    if (!frame) break;
    if (frame->keyframe && offer(media::split_annexb(frame->annexb))) return;
  }
  throw std::runtime_error("cannot write the SDP: " + input + " has no " +
                           std::string(format_->encoding_name) + " parameter sets in its first " +
                           std::to_string(kParameterSetSearchFrames) + " frames");
}

}  // namespace flowcast::server
