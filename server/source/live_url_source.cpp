#include "server/source/live_url_source.hpp"

#include "server/source/audio_stream.hpp"

namespace flowcast::server {
namespace {

// "rtsp://cam/s (h264, relayed live) with aac sound", for the log.
std::string relay_name(const std::string& url, const media::SourceInfo& info) {
  return url + " (" + info.codec_name + ", relayed live)" +
         (info.audio ? " with " + info.audio->codec_name + " sound" : "");
}

}  // namespace

LiveUrlSource::LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu, bool audio)
    : LiveUrlSource(io, url, mtu, std::make_unique<media::UrlSource>(url, audio)) {}

LiveUrlSource::LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu,
                             std::unique_ptr<media::UrlSource> source)
    : LiveSource(io, mtu, media::payload_format_for(source->info().codec_id),
                 relay_name(url, source->info())),
      source_(std::move(source)) {
  if (source_->info().audio) add_stream(describe_audio(*source_->info().audio));
}

LiveUrlSource::~LiveUrlSource() {
  stop();
}

void LiveUrlSource::run() {
  std::string why = "the source ended";
  try {
    while (running()) {
      auto frame = source_->next();
      if (!frame) break;
      deliver(*frame);
    }
  } catch (const std::exception& e) {
    why = std::string("the source failed: ") + e.what();
  }
  end(why);
}

}  // namespace flowcast::server
