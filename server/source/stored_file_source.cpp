#include "server/source/stored_file_source.hpp"

#include "media/payload/annexb.hpp"

namespace flowcast::server {
namespace {

// "clip.mp4 (h264, sent as is)", for the log.
std::string file_name(const std::string& path, const media::SourceInfo& info) {
  return path + " (" + info.codec_name +
         (info.transcoded ? ", transcoded to H.264" : ", sent as is") + ")";
}

}  // namespace

StoredFileSource::StoredFileSource(std::string path, bool loop)
    : path_(std::move(path)), loop_(loop) {
  media::FileSource file(path_);
  info_ = file.info();
  const media::PayloadFormat& format = media::payload_format_for(info_.codec_id);
  description_.what = file_name(path_, info_);
  description_.timeline = Timeline::per_session;
  description_.duration_90k = info_.duration_90k;
  MediaStreamDescription video{&format, std::nullopt};
  for (int i = 0; i < kParameterSetSearchFrames && !video.sdp; ++i) {
    auto frame = file.next();
    if (!frame) break;
    if (!frame->keyframe) continue;
    video.sdp = media::describe_stream(format, media::split_annexb(frame->annexb), "0.0.0.0", 0);
  }
  if (video.sdp && info_.duration_90k > 0)
    video.sdp->range_end_s = static_cast<double>(info_.duration_90k) / 90000.0;
  description_.streams.push_back(std::move(video));
}

std::unique_ptr<FileReader> StoredFileSource::open_reader(int64_t start_90k,
                                                          std::function<void()> wake) const {
  return std::make_unique<FileReader>(path_, loop_, std::move(wake), start_90k);
}

}  // namespace flowcast::server
