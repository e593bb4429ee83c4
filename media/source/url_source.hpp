#pragma once
// A live H.264 source that libavformat opens from a URL (rtsp://, srt://,
// udp://, http(s):// HLS, …): its access units in arrival order, in Annex B
// with SPS and PPS before every IDR (the last ones seen are put back when an
// IDR arrives without them), timestamps on the 90 kHz RTP clock from the
// first one. H.264 passes through; other video is refused (SourceError).
//
// Unlike FileSource, next() blocks until the source sends, and a blocked
// read ends within 100 ms of interrupt() (from any thread), or once
// kReadTimeout passes without a packet.
//
// Threads: one reader thread calls the constructor and next(); interrupt()
// from any thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "media/codec/encoded_frame.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::media {

// Whether INPUT names a URL ("scheme://…") rather than a file.
bool is_url(const std::string& input);

class UrlSource {
 public:
  // A source that sends nothing for this long has ended.
  static constexpr auto kReadTimeout = std::chrono::seconds(10);

  // Opens the URL and reads its stream information (blocks up to
  // kReadTimeout). Throws SourceError, with a message for the user, when it
  // cannot be opened, has no video, or its video is not H.264.
  explicit UrlSource(const std::string& url);
  ~UrlSource();

  const SourceInfo& info() const;
  // The next access unit, or nullopt at the end of the stream, on
  // interrupt(), or after kReadTimeout of silence. Throws AvError on a
  // read error.
  std::optional<EncodedFrame> next();
  // Makes a blocked or later next() return nullopt. Any thread.
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowcast::media
