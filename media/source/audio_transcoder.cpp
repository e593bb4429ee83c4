#include "media/source/audio_transcoder.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include "media/ffmpeg/av_error.hpp"

namespace flowcast::media {
namespace {

constexpr int kRate = 48000;
constexpr AVRational kRtpTimeBase{1, 90000};

AudioEncoderConfig opus_config(uint32_t channels) {
  AudioEncoderConfig c;
  c.sample_rate = kRate;
  c.channels = channels;
  c.frame_ms = 20;
  // Music from files: libopus's fullband stereo is transparent to most ears
  // here (RFC 6716 §2.1.1 puts fullband stereo music at 64-128 kbit/s).
  c.bitrate = channels == 1 ? 48'000 : 96'000;
  return c;
}

}  // namespace

void AudioTranscoder::SwrFree::operator()(SwrContext* s) const {
  swr_free(&s);
}

AudioTranscoder::AudioTranscoder(const AVStream& stream) : time_base_(stream.time_base) {
  const AVCodecID id = stream.codecpar->codec_id;
  const AVCodec* codec = avcodec_find_decoder(id);
  if (!codec)
    throw std::runtime_error(std::string("this FFmpeg has no ") + avcodec_get_name(id) +
                             " decoder");
  decoder_ = CodecContext(avcodec_alloc_context3(codec));
  if (!decoder_) throw std::bad_alloc();
  check_av(avcodec_parameters_to_context(decoder_.get(), stream.codecpar),
           "configuring the audio decoder");
  decoder_->pkt_timebase = stream.time_base;
  check_av(avcodec_open2(decoder_.get(), codec, nullptr),
           std::string("opening the ") + codec->name + " decoder");
  channels_ = decoder_->ch_layout.nb_channels == 1 ? 1 : 2;
  encoder_ = std::make_unique<AudioEncoder>(opus_config(channels_));
}

AudioTranscoder::~AudioTranscoder() = default;

void AudioTranscoder::feed(const AVPacket* packet, int64_t video_origin_90k, const Sink& sink) {
  if (packet->size <= 0) return;
  video_origin_90k_ = video_origin_90k;
  decode(packet, sink);
}

void AudioTranscoder::finish(const Sink& sink) {
  decode(nullptr, sink);
  if (swr_) resample(nullptr);
  // The sound ends here; the last frame is filled up with silence.
  const int64_t end = encoded_samples_ + static_cast<int64_t>(pending_.size() / channels_);
  encode(true, sink);
  // The encoder's last packets cover its lookahead; one that begins after
  // the sound's end is silence only, and is left out.
  std::vector<EncodedFrame> rest = encoder_->flush();
  std::erase_if(
      rest, [&](const EncodedFrame& ef) { return ef.pts_90k >= av_rescale(end, 90000, kRate); });
  emit(std::move(rest), sink);
}

void AudioTranscoder::restart() {
  avcodec_flush_buffers(decoder_.get());
  swr_.reset();
  swr_format_ = -1;
  encoder_ = std::make_unique<AudioEncoder>(opus_config(channels_));
  origin_90k_.reset();
  skip_samples_ = 0;
  pending_.clear();
  encoded_samples_ = 0;
}

void AudioTranscoder::decode(const AVPacket* packet, const Sink& sink) {
  // A packet the decoder refuses is skipped: the sound goes on without it.
  const int sent = avcodec_send_packet(decoder_.get(), packet);
  if (sent < 0 && sent != AVERROR_EOF) return;
  for (;;) {
    const int ret = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (ret < 0) break;  // EAGAIN, the end, or a frame that does not decode
    if (!origin_90k_) anchor(frame_.get());
    resample(frame_.get());
    av_frame_unref(frame_.get());
    encode(false, sink);
  }
}

void AudioTranscoder::anchor(const AVFrame* frame) {
  const int64_t t =
      frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
  const int64_t at =
      t == AV_NOPTS_VALUE ? 0 : av_rescale_q(t, time_base_, kRtpTimeBase) - video_origin_90k_;
  // Before the video's start: cut up to it.
  origin_90k_ = std::max<int64_t>(0, at);
  skip_samples_ = at < 0 ? av_rescale(-at, kRate, 90000) : 0;
}

void AudioTranscoder::resample(const AVFrame* frame) {
  if (frame) {
    if (frame->nb_samples <= 0) return;
    const int channels = frame->ch_layout.nb_channels;
    if (!swr_ || frame->format != swr_format_ || frame->sample_rate != swr_rate_ ||
        channels != swr_channels_) {
      AVChannelLayout in_layout{};
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&in_layout, channels);
      else
        check_av(av_channel_layout_copy(&in_layout, &frame->ch_layout), "an audio layout");
      AVChannelLayout out_layout{};
      av_channel_layout_default(&out_layout, static_cast<int>(channels_));
      SwrContext* raw = nullptr;
      // More channels than two are downmixed by libswresample's default
      // matrix (centre and surrounds at -3 dB into left and right).
      int ret = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16, kRate, &in_layout,
                                    static_cast<AVSampleFormat>(frame->format), frame->sample_rate,
                                    0, nullptr);
      av_channel_layout_uninit(&in_layout);
      av_channel_layout_uninit(&out_layout);
      swr_.reset(raw);
      if (ret >= 0) ret = swr_init(swr_.get());
      check_av(ret, "converting the audio to 48 kHz");
      swr_format_ = frame->format;
      swr_rate_ = frame->sample_rate;
      swr_channels_ = channels;
    }
  }
  const int room = swr_get_out_samples(swr_.get(), frame ? frame->nb_samples : 0);
  if (room <= 0) return;
  const size_t have = pending_.size();
  pending_.resize(have + static_cast<size_t>(room) * channels_);
  auto* dst = reinterpret_cast<uint8_t*>(pending_.data() + have);
  const int n = swr_convert(swr_.get(), &dst, room,
                            frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr,
                            frame ? frame->nb_samples : 0);
  pending_.resize(have + static_cast<size_t>(std::max(0, n)) * channels_);
  if (skip_samples_ > 0) {
    const auto cut =
        std::min<size_t>(static_cast<size_t>(skip_samples_), pending_.size() / channels_);
    pending_.erase(pending_.begin(),
                   pending_.begin() + static_cast<std::ptrdiff_t>(cut * channels_));
    skip_samples_ -= static_cast<int64_t>(cut);
  }
}

void AudioTranscoder::encode(bool all, const Sink& sink) {
  const size_t block = encoder_->frame_samples() * channels_;
  if (all && pending_.size() % block != 0)
    pending_.resize((pending_.size() / block + 1) * block, 0);
  size_t at = 0;
  for (; at + block <= pending_.size(); at += block) {
    emit(encoder_->encode(std::span<const int16_t>(pending_.data() + at, block), encoded_samples_),
         sink);
    encoded_samples_ += static_cast<int64_t>(encoder_->frame_samples());
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
}

void AudioTranscoder::emit(std::vector<EncodedFrame> packets, const Sink& sink) const {
  for (EncodedFrame& ef : packets) {
    ef.pts_90k += origin_90k_.value_or(0);
    ef.dts_90k = ef.pts_90k;
    // What a receiver decodes (RTP has no end trimming): the last packet
    // too lasts a whole frame, so a loop starts after it.
    ef.duration_90k = av_rescale(static_cast<int64_t>(encoder_->frame_samples()), 90000, kRate);
    sink(std::move(ef));
  }
}

}  // namespace flowcast::media
