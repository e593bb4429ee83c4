#pragma once
// INPUT as a URL (rtsp://, srt://, udp://, http(s):// HLS): the stream read
// live on its own thread by media::UrlSource, each access unit packetized
// once and handed to the network thread (LiveSource), like the test
// pattern's. Every session relays the same frames on one timeline: nothing
// is paced here (the source sends in real time) and nothing restarts per
// viewer. Keyframes cannot be asked for: a viewer joins at the source's next
// one. When the stream ends (its end, silence past UrlSource::kReadTimeout,
// or a read error) the end handler hears why.
#include <asio.hpp>
#include <memory>
#include <string>

#include "media/source/url_source.hpp"
#include "server/source/live_source.hpp"

namespace flowcast::server {

class LiveUrlSource : public LiveSource {
 public:
  // Opens the URL (blocks up to UrlSource::kReadTimeout); frames are posted
  // to io's thread. Throws media::SourceError.
  LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu);
  ~LiveUrlSource() override;

  const media::SourceInfo& info() const { return source_->info(); }

 private:
  LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu,
                std::unique_ptr<media::UrlSource> source);
  void run() override;
  void interrupt() override { source_->interrupt(); }

  std::unique_ptr<media::UrlSource> source_;
};

}  // namespace flowcast::server
