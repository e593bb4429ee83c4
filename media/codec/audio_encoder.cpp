#include "media/codec/audio_encoder.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "media/ffmpeg/av_error.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace flowcast::media {

AudioEncoder::AudioEncoder(const AudioEncoderConfig& config) : config_(config) {
  const uint32_t rate = config.sample_rate;
  if (rate != 8000 && rate != 12000 && rate != 16000 && rate != 24000 && rate != 48000)
    throw std::invalid_argument("Opus encodes at 8, 12, 16, 24 or 48 kHz, not " +
                                std::to_string(rate) + " Hz");
  if (config.channels < 1 || config.channels > 2)
    throw std::invalid_argument("the Opus encoder takes one or two channels");
  if (config.frame_ms != 10 && config.frame_ms != 20 && config.frame_ms != 40 &&
      config.frame_ms != 60)
    throw std::invalid_argument("Opus frames of " + std::to_string(config.frame_ms) +
                                " ms are not taken here (10, 20, 40 or 60)");
  const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
  if (!codec)
    throw std::runtime_error("this FFmpeg has no libopus encoder: install Debian's libavcodec59");
  ctx_ = CodecContext(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->sample_rate = static_cast<int>(rate);
  ctx_->sample_fmt = AV_SAMPLE_FMT_S16;
  av_channel_layout_default(&ctx_->ch_layout, static_cast<int>(config.channels));
  ctx_->bit_rate = config.bitrate;
  // The time base counts samples, so pts are sample positions.
  ctx_->time_base = AVRational{1, static_cast<int>(rate)};
  av_opt_set_double(ctx_->priv_data, "frame_duration", config.frame_ms, 0);
  av_opt_set(ctx_->priv_data, "application", "audio", 0);
  check_av(avcodec_open2(ctx_.get(), codec, nullptr), "opening the libopus encoder");
  frame_samples_ = static_cast<size_t>(ctx_->frame_size);
  if (frame_samples_ != rate / 1000 * static_cast<uint32_t>(config.frame_ms))
    throw std::invalid_argument("libopus chose frames of " + std::to_string(frame_samples_) +
                                " samples");
  frame_->format = AV_SAMPLE_FMT_S16;
  frame_->sample_rate = ctx_->sample_rate;
  frame_->nb_samples = static_cast<int>(frame_samples_);
  check_av(av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout), "an audio frame");
  check_av(av_frame_get_buffer(frame_.get(), 0), "an audio frame");
}

std::vector<EncodedFrame> AudioEncoder::encode(std::span<const int16_t> pcm, int64_t first_sample) {
  if (pcm.size() != frame_samples_ * config_.channels)
    throw std::invalid_argument("the Opus encoder takes " + std::to_string(frame_samples_) +
                                " sample frames at a time");
  // The encoder may still hold the last frame's buffer: write into our own.
  check_av(av_frame_make_writable(frame_.get()), "an audio frame");
  std::memcpy(frame_->data[0], pcm.data(), pcm.size_bytes());
  frame_->pts = first_sample;
  check_av(avcodec_send_frame(ctx_.get(), frame_.get()), "encoding a frame");
  return drain();
}

std::vector<EncodedFrame> AudioEncoder::flush() {
  const int ret = avcodec_send_frame(ctx_.get(), nullptr);
  if (ret < 0 && ret != AVERROR_EOF) check_av(ret, "flushing the encoder");
  return drain();
}

std::vector<EncodedFrame> AudioEncoder::drain() {
  std::vector<EncodedFrame> out;
  for (;;) {
    const int ret = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
    check_av(ret, "receiving a packet from the encoder");
    EncodedFrame ef;
    ef.annexb.assign(packet_->data, packet_->data + packet_->size);
    ef.stream = 1;
    const AVRational rtp_tb{1, 90000};
    ef.pts_90k = av_rescale_q(packet_->pts, ctx_->time_base, rtp_tb);
    ef.dts_90k = ef.pts_90k;
    ef.duration_90k = av_rescale_q(
        packet_->duration > 0 ? packet_->duration : static_cast<int64_t>(frame_samples_),
        ctx_->time_base, rtp_tb);
    // Every Opus packet decodes on its own: none is a keyframe the video's
    // join logic could mistake for its own.
    ef.keyframe = false;
    av_packet_unref(packet_.get());
    out.push_back(std::move(ef));
  }
  return out;
}

}  // namespace flowcast::media
