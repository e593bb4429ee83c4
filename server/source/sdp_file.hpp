#pragma once
// --sdp FILE: the stream's SDP (media/sdp/sdp.hpp), written once, as soon as the
// parameter sets are known (the payload format's describe: H.264's SPS and PPS, H.265's VPS, SPS
// and PPS): for a file, from its
// first keyframe when the server starts; for the live pattern, from the encoder's first keyframe.
// It is written through a temporary file and a rename, so a receiver that
// polls for it never reads half of it.
//
// Threads: the server's constructor or its network thread; one at a time.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/sdp/sdp.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class SdpFile {
 public:
  // address:port is where the RTP goes (the push target, or without one the
  // server's own address); origin is the server's address, for o=.
  // format: the stream's payload format (a file's own is found by offer_file()).
  SdpFile(std::string path, std::string origin, std::string address, uint16_t port,
          const media::PayloadFormat& format);

  // Writes the file unless it is written already, if these NAL units hold
  // the parameter sets (Annex B split into NALs, or RTP payloads). Returns true
  // once the file is written. Throws std::runtime_error, with a message for
  // the user, when it cannot be written.
  bool offer(const std::vector<std::span<const uint8_t>>& nals);
  // The same for a live frame's RTP payloads (SPS and PPS travel as single
  // NAL payloads before every IDR).
  bool offer(const PacketizedFrame& frame);
  // The same for a media file's first keyframe: opens it and reads access
  // units until one holds the parameter sets. Throws media::SourceError when
  // the file cannot be read, std::runtime_error when none of its first
  // 300 access units holds them, or the SDP cannot be written.
  void offer_file(const std::string& input);
  bool written() const { return written_; }
  const std::string& path() const { return path_; }

 private:
  std::optional<media::SdpDescription> describe(
      const std::vector<std::span<const uint8_t>>& nals) const;

  const media::PayloadFormat* format_;
  std::string path_;
  std::string origin_;
  std::string address_;
  uint16_t port_;
  bool written_ = false;
};

}  // namespace flowcast::server
