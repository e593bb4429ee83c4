#include "server/source/sdp_file.hpp"

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
  if (written_) return;
  media::SdpDescription description = stream;
  description.connection_address = address_;
  description.port = port_;
  description.range_end_s.reset();
  description.origin_address = origin_;
  // RFC 8866 §5.2 suggests an NTP-style timestamp for sess-id.
  description.session_id =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  std::string error;
  if (!common::write_file_atomic(path_, media::write_sdp(description), error))
    throw std::runtime_error(error + " (--sdp wants a writable path)");
  written_ = true;
}

}  // namespace flowcast::server
