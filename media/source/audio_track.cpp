#include "media/source/audio_track.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <string>

#include "media/source/audio_transcoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace flowcast::media {

namespace {
constexpr AVRational kRtpTimeBase{1, 90000};

int channels_of(const AVCodecParameters& par) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 24, 100)
  return par.ch_layout.nb_channels;
#else
  return par.channels;
#endif
}

// The payload format that carries the track as it is, or nullptr: AAC
// needs its AudioSpecificConfig for the fmtp (ADTS, as in MPEG-TS, has
// none, unless `config_from_frames` lets the format's frame filter read it
// from the first frame), and G.711 goes as it is only at its RTP clock, mono.
const PayloadFormat* carried_as_is(const AVCodecParameters& par, bool config_from_frames) {
  const PayloadFormat* format = find_audio_payload_format(par.codec_id);
  if (!format) return nullptr;
  if (par.codec_id == AV_CODEC_ID_AAC && par.extradata_size < 2 &&
      !(config_from_frames && !format->frame_filter.empty()))
    return nullptr;
  if (format->packet_samples &&
      (par.sample_rate != static_cast<int>(format->clock_rate) || channels_of(par) != 1))
    return nullptr;
  return format;
}
}  // namespace

AudioTrack::AudioTrack() = default;
AudioTrack::~AudioTrack() = default;
AudioTrack::AudioTrack(AudioTrack&&) noexcept = default;
AudioTrack& AudioTrack::operator=(AudioTrack&&) noexcept = default;

int AudioTrack::open(AVFormatContext* format, int video_index, SourceInfo& info, bool live) {
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, video_index, nullptr, 0);
  if (index < 0) return -1;
  AVStream* st = format->streams[index];
  const AVCodecParameters& par = *st->codecpar;
  const AVCodecDescriptor* desc = avcodec_descriptor_get(par.codec_id);
  AudioTrackInfo a;
  a.codec_name = desc ? desc->name : "unknown";
  format_ = carried_as_is(par, live);
  if (format_) {
    a.codec_id = par.codec_id;
    a.sample_rate = par.sample_rate;
    a.channels = channels_of(par);
    if (par.codec_id == AV_CODEC_ID_AAC)
      config_.assign(par.extradata, par.extradata + par.extradata_size);
    const std::string filter_name(format_->frame_filter);
    if (!filter_name.empty() && !open_filter(st, filter_name)) {
      info.ignored_audio = a.codec_name;
      info.ignored_audio_reason = "FFmpeg's " + filter_name + " filter would not start";
      return -1;
    }
    a.config = config_;
  } else if (live) {
    // A live source is relayed as it comes: no transcoding on its thread.
    info.ignored_audio = a.codec_name;
    info.ignored_audio_reason =
        "flowcast relays " + payload_format_names(audio_payload_formats()) + " as it is";
    return -1;
  } else {
    try {
      transcoder_ = std::make_unique<AudioTranscoder>(*st);
    } catch (const std::exception& e) {
      info.ignored_audio = a.codec_name;
      info.ignored_audio_reason = e.what();
      return -1;
    }
    a.codec_id = opus_payload_format().codec_id;
    a.transcoded = true;
    a.sample_rate = static_cast<int>(opus_payload_format().clock_rate);
    a.channels = static_cast<int>(transcoder_->channels());
  }
  st->discard = AVDISCARD_DEFAULT;
  time_base_ = st->time_base;
  info.audio = std::move(a);
  return index;
}

bool AudioTrack::open_filter(const AVStream* st, const std::string& name) {
  const AVBitStreamFilter* f = av_bsf_get_by_name(name.c_str());
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

void AudioTrack::push(AVPacket* pkt, int64_t video_origin_90k, const Sink& sink) {
  if (!filter(pkt)) return;
  if (transcoder_) {
    transcoder_->feed(pkt, video_origin_90k, sink);
    av_packet_unref(pkt);
    return;
  }
  const int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (t != AV_NOPTS_VALUE && pkt->size > 0) {
    const int64_t pts_90k = av_rescale_q(t, time_base_, kRtpTimeBase) - video_origin_90k;
    if (format_->packet_samples) {
      push_samples(pkt, pts_90k, sink);
    } else if (pts_90k >= 0) {
      // Sound before the video's start has no picture to go with.
      EncodedFrame ef;
      ef.stream = 1;
      ef.annexb.assign(pkt->data, pkt->data + pkt->size);
      ef.pts_90k = pts_90k;
      ef.dts_90k = pts_90k;
      ef.duration_90k =
          pkt->duration > 0 ? av_rescale_q(pkt->duration, time_base_, kRtpTimeBase) : 0;
      ef.keyframe = true;
      sink(std::move(ef));
    }
  }
  av_packet_unref(pkt);
}

void AudioTrack::push_samples(const AVPacket* pkt, int64_t pts_90k, const Sink& sink) {
  // The first packet's time places the first sample; the rest follow on,
  // until a packet's own time departs from where the samples counted put
  // it by more than a packet: a live source skipped (packets lost on its
  // way in, silence suppression) or its clock drifted, and the sound
  // follows its timestamps again.
  if (anchor_90k_) {
    const int64_t rate = format_->clock_rate;
    const int64_t counted =
        *anchor_90k_ + av_rescale(samples_out_ + static_cast<int64_t>(held_.size()), 90000, rate);
    if (std::llabs(pts_90k - counted) > av_rescale(format_->packet_samples, 90000, rate)) {
      emit_held(true, sink);
      anchor_90k_.reset();
    }
  }
  if (!anchor_90k_) {
    anchor_90k_ = pts_90k;
    samples_out_ = 0;
  }
  held_.insert(held_.end(), pkt->data, pkt->data + pkt->size);
  emit_held(false, sink);
}

void AudioTrack::emit_held(bool all, const Sink& sink) {
  const size_t n = format_->packet_samples;
  const int64_t rate = format_->clock_rate;
  size_t at = 0;
  while (at < held_.size() && (all || held_.size() - at >= n)) {
    const size_t take = std::min(n, held_.size() - at);
    EncodedFrame ef;
    ef.stream = 1;
    ef.annexb.assign(held_.begin() + static_cast<std::ptrdiff_t>(at),
                     held_.begin() + static_cast<std::ptrdiff_t>(at + take));
    ef.pts_90k = *anchor_90k_ + av_rescale(samples_out_, 90000, rate);
    ef.dts_90k = ef.pts_90k;
    samples_out_ += static_cast<int64_t>(take);
    ef.duration_90k = *anchor_90k_ + av_rescale(samples_out_, 90000, rate) - ef.pts_90k;
    ef.keyframe = true;
    at += take;
    // Sound before the video's start has no picture to go with.
    if (ef.pts_90k >= 0) sink(std::move(ef));
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(at));
}

void AudioTrack::finish(const Sink& sink) {
  if (transcoder_) transcoder_->finish(sink);
  if (format_ && format_->packet_samples && anchor_90k_) emit_held(true, sink);
}

void AudioTrack::restart() {
  if (transcoder_) transcoder_->restart();
  anchor_90k_.reset();
  samples_out_ = 0;
  held_.clear();
}

}  // namespace flowcast::media
