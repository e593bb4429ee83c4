#pragma once
// INPUT as a URL (rtsp://, srt://, udp://, http(s):// HLS): the stream read
// live on its own thread by media::UrlSource, each frame packetized once
// and handed to the network thread (LiveSource), like the test pattern's.
// The video is stream 0, in the payload format of its codec (H.264, H.265);
// unless told otherwise the URL's first AAC or Opus track goes with it as it
// is, stream 1, described up front (add_stream: m=audio, payload type 97,
// a=control track2). Every session relays the same frames on one timeline:
// nothing is paced here (the source sends in real time) and nothing
// restarts per viewer. Keyframes cannot be asked for: a viewer joins at the
// source's next one. When the stream ends (its end, silence past
// UrlSource::kReadTimeout, or a read error) the end handler hears why.
#include <asio.hpp>
#include <memory>
#include <string>

#include "media/source/url_source.hpp"
#include "server/source/live_source.hpp"

namespace flowcast::server {

class LiveUrlSource : public LiveSource {
 public:
  // Opens the URL (blocks up to UrlSource::kReadTimeout, twice that for
  // ADTS AAC); frames are posted to io's thread. audio: with its first
  // audio track (info().ignored_audio names one that is not relayed).
  // Throws media::SourceError, media::AvError.
  LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu, bool audio = false);
  ~LiveUrlSource() override;

  // Fixed once constructed; any thread.
  const media::SourceInfo& info() const { return source_->info(); }

 private:
  LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu,
                std::unique_ptr<media::UrlSource> source);
  void run() override;
  void interrupt() override { source_->interrupt(); }

  std::unique_ptr<media::UrlSource> source_;
};

}  // namespace flowcast::server
