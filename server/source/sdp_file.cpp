#include "server/source/sdp_file.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "common/util/atomic_file.hpp"

namespace flowcast::server {

SdpFile::SdpFile(std::string path, std::string origin, std::string address, uint16_t port)
    : path_(std::move(path)),
      origin_(std::move(origin)),
      address_(std::move(address)),
      port_(port) {}

void SdpFile::write(const media::SdpDescription& stream) {
  write(std::vector<media::SdpDescription>{stream});
}

void SdpFile::write(const std::vector<media::SdpDescription>& streams) {
  if (written_ || streams.empty()) return;
  // RFC 8866 §5.2 suggests an NTP-style timestamp for sess-id.
  const auto session_id =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  std::vector<media::SdpDescription> described = streams;
  for (size_t k = 0; k < described.size(); ++k) {
    media::SdpDescription& description = described[k];
    description.connection_address = address_;
    description.port = static_cast<uint16_t>(std::min<size_t>(65535, port_ + 2 * k));
    description.range_end_s.reset();
    description.origin_address = origin_;
    description.session_id = session_id;
  }
  const std::string text =
      described.size() == 1 ? media::write_sdp(described.front()) : media::write_sdp(described);
  std::string error;
  if (!common::write_file_atomic(path_, text, error))
    throw std::runtime_error(error + " (--sdp wants a writable path)");
  written_ = true;
}

}  // namespace flowcast::server
