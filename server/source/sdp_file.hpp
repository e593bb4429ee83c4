#pragma once
// --sdp FILE: the stream's SDP (media/sdp/sdp.hpp), written once, as soon as
// the source has described it (MediaStreamDescription::sdp: the parameter
// sets of a keyframe): for a file, when the server starts; for a live
// source, at its first keyframe. It is written through a temporary file and
// a rename, so a receiver that polls for it never reads half of it.
//
// Threads: the server's constructor or its network thread; one at a time.
#include <cstdint>
#include <string>
#include <vector>

#include "media/sdp/sdp.hpp"

namespace flowcast::server {

class SdpFile {
 public:
  // address:port is where the RTP goes (the push target, or without one the
  // server's own address); origin is the server's address, for o=.
  SdpFile(std::string path, std::string origin, std::string address, uint16_t port);

  // Writes the file unless it is written already: the stream's description
  // (a source's, addressed to no one) sent to address:port, with o= origin
  // and an NTP-style sess-id (RFC 8866 §5.2), and without a=range: whoever
  // reads this file takes the RTP as it comes, and cannot seek. Throws
  // std::runtime_error, with a message for the user, when it cannot be
  // written.
  void write(const media::SdpDescription& stream);
  // The same for several streams (a file's video and audio): stream k's RTP
  // to port + 2k, as --push sends it.
  void write(const std::vector<media::SdpDescription>& streams);
  bool written() const { return written_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string origin_;
  std::string address_;
  uint16_t port_;
  bool written_ = false;
};

}  // namespace flowcast::server
