#include "media/source/audio_track.hpp"

#include <string>

#include "media/payload/payload_format.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace flowcast::media {

namespace {
constexpr AVRational kRtpTimeBase{1, 90000};
}

int AudioTrack::open(AVFormatContext* format, int video_index, SourceInfo& info,
                     bool config_from_frames) {
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, video_index, nullptr, 0);
  if (index < 0) return -1;
  AVStream* st = format->streams[index];
  const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
  const std::string name = desc ? desc->name : "unknown";
  const PayloadFormat* carried = find_audio_payload_format(st->codecpar->codec_id);
  if (!carried) {
    info.ignored_audio = name;
    return -1;
  }
  config_.assign(st->codecpar->extradata, st->codecpar->extradata + st->codecpar->extradata_size);
  std::vector<std::span<const uint8_t>> config;
  if (!config_.empty()) config.emplace_back(config_);
  // Without the configuration its SDP needs (AAC without its
  // AudioSpecificConfig: ADTS, as in MPEG-TS), only the first frame can say.
  const bool described = carried->describe(config).has_value();
  const bool later = !described && config_from_frames && !carried->frame_filter.empty();
  if ((!described && !later) ||
      (!carried->frame_filter.empty() && !open_filter(st, carried->frame_filter))) {
    info.ignored_audio = name + (described ? "" : " without its configuration");
    config_.clear();
    return -1;
  }
  st->discard = AVDISCARD_DEFAULT;
  time_base_ = st->time_base;
  AudioTrackInfo a;
  a.codec_id = st->codecpar->codec_id;
  a.codec_name = name;
  a.sample_rate = st->codecpar->sample_rate;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 24, 100)
  a.channels = st->codecpar->ch_layout.nb_channels;
#else
  a.channels = st->codecpar->channels;
#endif
  if (described) a.config = config_;
  info.audio = std::move(a);
  return index;
}

bool AudioTrack::open_filter(const AVStream* st, std::string_view name) {
  const AVBitStreamFilter* f = av_bsf_get_by_name(std::string(name).c_str());
  AVBSFContext* raw = nullptr;
  if (!f || av_bsf_alloc(f, &raw) < 0) return false;
  filter_.reset(raw);
  if (avcodec_parameters_copy(filter_->par_in, st->codecpar) < 0) return false;
  filter_->time_base_in = st->time_base;
  return av_bsf_init(filter_.get()) >= 0;
}

bool AudioTrack::filter(AVPacket* pkt) {
  if (!filter_) return true;
  if (av_bsf_send_packet(filter_.get(), pkt) < 0) {
    av_packet_unref(pkt);
    return false;
  }
  // One frame in, one out (aac_adtstoasc).
  if (av_bsf_receive_packet(filter_.get(), pkt) < 0) return false;
  size_t size = 0;
  const uint8_t* extradata = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &size);
  if (extradata && size > 0 && config_.empty()) config_.assign(extradata, extradata + size);
  return true;
}

std::optional<EncodedFrame> AudioTrack::frame(AVPacket* pkt, int64_t video_origin_90k,
                                              int64_t loop_offset_90k) {
  std::optional<EncodedFrame> out;
  if (!filter(pkt)) return out;
  const int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (t != AV_NOPTS_VALUE && pkt->size > 0) {
    EncodedFrame ef;
    ef.stream = 1;
    ef.annexb.assign(pkt->data, pkt->data + pkt->size);
    ef.pts_90k = av_rescale_q(t, time_base_, kRtpTimeBase) - video_origin_90k;
    ef.dts_90k = ef.pts_90k;
    ef.duration_90k = pkt->duration > 0 ? av_rescale_q(pkt->duration, time_base_, kRtpTimeBase) : 0;
    ef.keyframe = true;
    // Sound before the video's start has no picture to go with.
    if (ef.pts_90k >= 0) {
      ef.pts_90k += loop_offset_90k;
      ef.dts_90k += loop_offset_90k;
      out = std::move(ef);
    }
  }
  av_packet_unref(pkt);
  return out;
}

}  // namespace flowcast::media
