#include "server/source/live_url_source.hpp"

namespace flowcast::server {

LiveUrlSource::LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu)
    : LiveUrlSource(io, url, mtu, std::make_unique<media::UrlSource>(url)) {}

LiveUrlSource::LiveUrlSource(asio::io_context& io, const std::string& url, size_t mtu,
                             std::unique_ptr<media::UrlSource> source)
    : LiveSource(io, mtu, media::payload_format_for(source->info().codec_id),
                 url + " (" + source->info().codec_name + ", relayed live)"),
      source_(std::move(source)) {}

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
