#include "media/source/audio_track.hpp"

#include "media/payload/payload_format.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace flowcast::media {

namespace {
constexpr AVRational kRtpTimeBase{1, 90000};
}

int AudioTrack::open(AVFormatContext* format, int video_index, SourceInfo& info) {
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, video_index, nullptr, 0);
  if (index < 0) return -1;
  AVStream* st = format->streams[index];
  const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
  const std::string name = desc ? desc->name : "unknown";
  const PayloadFormat* carried = find_audio_payload_format(st->codecpar->codec_id);
  // AAC without its AudioSpecificConfig (ADTS, as in MPEG-TS) has no fmtp.
  const bool aac = st->codecpar->codec_id == AV_CODEC_ID_AAC;
  if (!carried || (aac && st->codecpar->extradata_size < 2)) {
    info.ignored_audio = name;
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
  if (aac)
    a.config.assign(st->codecpar->extradata,
                    st->codecpar->extradata + st->codecpar->extradata_size);
  info.audio = std::move(a);
  return index;
}

std::optional<EncodedFrame> AudioTrack::frame(AVPacket* pkt, int64_t video_origin_90k,
                                              int64_t loop_offset_90k) const {
  const int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  std::optional<EncodedFrame> out;
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
