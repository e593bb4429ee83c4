#include "media/codec/video_encoder.hpp"

#include <stdexcept>
#include <string>

#include "media/ffmpeg/av_error.hpp"
#include "media/payload/payload_format.hpp"

extern "C" {
#include <libavutil/opt.h>
}

namespace flowcast::media {

VideoEncoder::VideoEncoder(const EncoderConfig& config) : config_(config) {
  // The codec's encoder and its live settings come from its payload format.
  const EncoderChoice& choice = payload_format_for(config.codec).encoder;
  const std::string name(choice.name);
  const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
  if (!codec)
    throw std::runtime_error("this FFmpeg has no " + name +
                             " encoder: install Debian's libavcodec59");
  ctx_ = CodecContext(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  ctx_->width = config.width;
  ctx_->height = config.height;
  ctx_->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx_->time_base = AVRational{1, config.time_base_den > 0 ? config.time_base_den : config.fps};
  ctx_->framerate = AVRational{config.fps, 1};
  ctx_->bit_rate = config.bitrate;
  ctx_->rc_max_rate = config.bitrate;
  // One second of VBV: the rate stays near the target frame to frame, which
  // is what a link cap will measure.
  ctx_->rc_buffer_size = static_cast<int>(config.bitrate);
  ctx_->gop_size = config.gop;
  ctx_->max_b_frames = config.max_b_frames;
  ctx_->thread_count = 2;
  if (config_.preset.empty()) config_.preset = choice.default_preset;
  av_opt_set(ctx_->priv_data, "preset", config_.preset.c_str(), 0);
  if (config.low_latency) av_opt_set(ctx_->priv_data, "tune", "zerolatency", 0);
  // Scene cuts would add keyframes the GOP does not ask for.
  std::string params = "scenecut=0:repeat-headers=1" + std::string(choice.extra_params);
  if (!choice.slice_size_param.empty() && config.slice_max_bytes > 0)
    params +=
        ":" + std::string(choice.slice_size_param) + "=" + std::to_string(config.slice_max_bytes);
  av_opt_set(ctx_->priv_data, std::string(choice.params_option).c_str(), params.c_str(), 0);
  if (choice.forced_idr) av_opt_set_int(ctx_->priv_data, "forced-idr", 1, 0);
  check_av(avcodec_open2(ctx_.get(), codec, nullptr), "opening the " + name + " encoder");
}

std::vector<EncodedFrame> VideoEncoder::encode(const Frame& frame) {
  if (keyframe_requested_.exchange(false)) {
    frame->pict_type = AV_PICTURE_TYPE_I;
    frame->key_frame = 1;
  } else {
    frame->pict_type = AV_PICTURE_TYPE_NONE;
  }
  check_av(avcodec_send_frame(ctx_.get(), frame.get()), "encoding a frame");
  return drain();
}

std::vector<EncodedFrame> VideoEncoder::flush() {
  int ret = avcodec_send_frame(ctx_.get(), nullptr);
  if (ret < 0 && ret != AVERROR_EOF) check_av(ret, "flushing the encoder");
  return drain();
}

std::vector<EncodedFrame> VideoEncoder::drain() {
  std::vector<EncodedFrame> out;
  for (;;) {
    int ret = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
    check_av(ret, "receiving a packet from the encoder");
    EncodedFrame ef;
    ef.annexb.assign(packet_->data, packet_->data + packet_->size);
    const AVRational rtp_tb{1, 90000};
    ef.pts_90k = av_rescale_q(packet_->pts, ctx_->time_base, rtp_tb);
    ef.dts_90k = av_rescale_q(packet_->dts, ctx_->time_base, rtp_tb);
    ef.duration_90k = packet_->duration > 0
                          ? av_rescale_q(packet_->duration, ctx_->time_base, rtp_tb)
                          : av_rescale_q(1, av_inv_q(ctx_->framerate), rtp_tb);
    ef.keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(packet_.get());
    out.push_back(std::move(ef));
  }
  return out;
}

}  // namespace flowcast::media
