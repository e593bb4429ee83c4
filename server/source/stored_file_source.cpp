#include "server/source/stored_file_source.hpp"

#include "media/payload/annexb.hpp"

namespace flowcast::server {
namespace {

// "clip.mp4 (h264, sent as is)", for the log.
std::string file_name(const std::string& path, const media::SourceInfo& info) {
  return path + " (" + info.codec_name +
         (info.transcoded ? ", transcoded to H.264" : ", sent as is") + ")";
}

// The audio track's stream: its payload format, clock, and m=audio section
// (RFC 3640 §4.1: rtpmap mpeg4-generic/RATE/CHANNELS and config; RFC 7587
// §7: opus/48000/2, also for a track transcoded to Opus; RFC 3551: PCMU/8000
// or PCMA/8000 on the static payload type 0 or 8).
MediaStreamDescription describe_audio(const media::AudioTrackInfo& audio) {
  MediaStreamDescription stream;
  stream.format = media::find_audio_payload_format(audio.codec_id);
  stream.sample_rate = static_cast<uint32_t>(audio.sample_rate);
  std::vector<std::span<const uint8_t>> config;
  if (!audio.config.empty()) config.emplace_back(audio.config);
  auto parameters = stream.format->describe(config);
  if (!parameters) return stream;
  media::SdpDescription sdp;
  sdp.media = "audio";
  sdp.connection_address = "0.0.0.0";
  sdp.port = 0;
  sdp.payload_type = stream.payload_type();
  sdp.encoding_name = std::string(stream.format->encoding_name);
  sdp.clock_rate = stream.clock_rate();
  sdp.channels = static_cast<uint32_t>(audio.channels);
  sdp.config = std::move(parameters->config);
  stream.sdp = std::move(sdp);
  return stream;
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
