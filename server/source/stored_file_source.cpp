#include "server/source/stored_file_source.hpp"

#include "media/payload/annexb.hpp"
#include "server/source/audio_stream.hpp"

namespace flowcast::server {
namespace {

// "clip.mp4 (h264, sent as is)", for the log.
std::string file_name(const std::string& path, const media::SourceInfo& info) {
  return path + " (" + info.codec_name +
         (info.transcoded ? ", transcoded to H.264" : ", sent as is") + ")";
}

}  // namespace

StoredFileSource::StoredFileSource(std::string path, bool loop, bool audio)
    : path_(std::move(path)), loop_(loop) {
  media::FileSource file(path_, audio);
  info_ = file.info();
  const media::PayloadFormat& format = media::payload_format_for(info_.codec_id);
  description_.what = file_name(path_, info_);
  description_.timeline = Timeline::per_session;
  description_.duration_90k = info_.duration_90k;
  MediaStreamDescription video{&format, std::nullopt};
  // Pictures counted, not audio units: sound does not shorten the search.
  for (int i = 0; i < kParameterSetSearchFrames && !video.sdp;) {
    auto frame = file.next();
    if (!frame) break;
    if (frame->stream != 0) continue;
    ++i;
    if (!frame->keyframe) continue;
    video.sdp = media::describe_stream(format, media::split_annexb(frame->annexb), "0.0.0.0", 0);
  }
  if (video.sdp && info_.duration_90k > 0)
    video.sdp->range_end_s = static_cast<double>(info_.duration_90k) / 90000.0;
  description_.streams.push_back(std::move(video));
  audio_ = info_.audio.has_value();
  if (audio_) description_.streams.push_back(describe_audio(*info_.audio));
  if (audio_)
    description_.what += " with " + info_.audio->codec_name +
                         (info_.audio->transcoded ? " sound sent as Opus" : " sound");
}

std::unique_ptr<FileReader> StoredFileSource::open_reader(int64_t start_90k,
                                                          std::function<void()> wake) const {
  return std::make_unique<FileReader>(path_, loop_, std::move(wake), start_90k, audio_);
}

}  // namespace flowcast::server
