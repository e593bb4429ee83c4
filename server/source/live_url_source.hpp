#pragma once
// INPUT as a URL (rtsp://, srt://, udp://, http(s):// HLS): the stream read
// live on its own thread by media::UrlSource, each access unit packetized
// once and handed to the network thread through asio::post, like the test
// pattern's. Every session relays the same frames on one timeline: nothing
// is paced here (the source sends in real time) and nothing restarts per
// viewer. Keyframes cannot be asked for: a viewer joins at the source's next
// one.
#include <asio.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "media/payload/payload_format.hpp"
#include "media/source/url_source.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

class LiveUrlSource {
 public:
  using FrameHandler = std::function<void(std::shared_ptr<const PacketizedFrame>)>;
  // The source ended (its end, silence past UrlSource::kReadTimeout, or a
  // read error); `why` says which.
  using EndHandler = std::function<void(const std::string& why)>;

  // Opens the URL (blocks up to UrlSource::kReadTimeout). on_frame and
  // on_end run on io's thread. Throws media::SourceError.
  LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu, FrameHandler on_frame,
                EndHandler on_end);
  ~LiveUrlSource();

  const media::SourceInfo& info() const { return source_.info(); }
  void start();
  // Interrupts the reader and joins its thread (within about 100 ms). Safe
  // to call twice.
  void stop();

 private:
  void run();

  asio::io_context& io_;
  media::UrlSource source_;
  size_t mtu_;
  const media::PayloadFormat& format_;  // the URL's video's
  FrameHandler on_frame_;
  EndHandler on_end_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace flowcast::server
