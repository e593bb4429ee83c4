#include "media/source/file_transcoder.hpp"

#include <algorithm>

#include "media/ffmpeg/av_error.hpp"
#include "media/payload/payload_format.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace flowcast::media {

namespace {
constexpr AVRational kRtpTimeBase{1, 90000};
}  // namespace

void FileTranscoder::SwsFreer::operator()(SwsContext* s) const {
  sws_freeContext(s);
}

FileTranscoder::FileTranscoder(const AVStream& stream, SourceInfo& info, const std::string& path) {
  const PayloadFormat& target = transcode_target_format();
  info.transcoded = true;
  info.codec_id = target.codec_id;
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (!codec)
    throw SourceError("no decoder for the video codec " + info.codec_name + " of " + path);
  decoder_ = CodecContext(avcodec_alloc_context3(codec));
  check_av(avcodec_parameters_to_context(decoder_.get(), stream.codecpar),
           "configuring the decoder");
  decoder_->pkt_timebase = kRtpTimeBase;
  decoder_->thread_count = 2;
  check_av(avcodec_open2(decoder_.get(), codec, nullptr),
           "opening the " + info.codec_name + " decoder");
  // The nominal rate sizes the bitrate and the GOP; the pictures keep their
  // own times (a rate that rounds to 0, one picture every 3 s, included).
  if (info.fps <= 0) info.fps = 25;
  fps_ = info.fps;
  EncoderConfig cfg;
  cfg.codec = target.codec_id;
  cfg.time_base_den = 90000;
  cfg.width = info.width & ~1;
  cfg.height = info.height & ~1;
  cfg.fps = info.fps;
  // About 0.1 bit per pixel per frame: clean enough to see the source.
  cfg.bitrate = std::max<int64_t>(500'000, int64_t{cfg.width} * cfg.height * cfg.fps / 10);
  cfg.gop = 2 * cfg.fps;
  cfg.max_b_frames = 0;
  cfg.low_latency = true;
  encoder_ = std::make_unique<VideoEncoder>(cfg);
  info.width = cfg.width;
  info.height = cfg.height;
}

FileTranscoder::~FileTranscoder() = default;

void FileTranscoder::feed(AVPacket* packet, const Sink& sink) {
  if (packet) decode(packet, sink);
}

void FileTranscoder::finish(const Sink& sink) {
  if (finished_) return;
  finished_ = true;
  decode(nullptr, sink);
  for (auto& ef : encoder_->flush()) push_encoded(std::move(ef), sink);
}

void FileTranscoder::restart() {
  avcodec_flush_buffers(decoder_.get());
  encoder_ = std::make_unique<VideoEncoder>(encoder_->config());
  finished_ = false;
  last_encoded_pts_.reset();
  encoding_durations_.clear();
}

void FileTranscoder::decode(AVPacket* pkt, const Sink& sink) {
  int ret = avcodec_send_packet(decoder_.get(), pkt);
  if (pkt) av_packet_unref(pkt);
  if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN)) return;  // skip a bad packet
  for (;;) {
    Frame frame;
    ret = avcodec_receive_frame(decoder_.get(), frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
    if (ret < 0) break;
    Frame yuv = to_yuv420(frame);
    // The picture's presentation time on the timeline (90 kHz), strictly
    // increasing as the encoder requires.
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = last_encoded_pts_ ? *last_encoded_pts_ + 90000 / fps_ : 0;
    if (last_encoded_pts_ && pts <= *last_encoded_pts_) pts = *last_encoded_pts_ + 1;
    last_encoded_pts_ = pts;
    yuv->pts = pts;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100)
    const int64_t duration = frame->duration;
#else
    const int64_t duration = frame->pkt_duration;
#endif
    if (duration > 0) encoding_durations_[pts] = duration;
    for (auto& ef : encoder_->encode(yuv)) push_encoded(std::move(ef), sink);
  }
}

void FileTranscoder::push_encoded(EncodedFrame ef, const Sink& sink) {
  const auto it = encoding_durations_.find(ef.pts_90k);
  if (it != encoding_durations_.end()) ef.duration_90k = it->second;
  // Pictures the encoder dropped leave nothing to keep.
  encoding_durations_.erase(encoding_durations_.begin(),
                            encoding_durations_.upper_bound(ef.pts_90k));
  sink(std::move(ef));
}

Frame FileTranscoder::to_yuv420(const Frame& in) {
  const auto& cfg = encoder_->config();
  if (in->format == AV_PIX_FMT_YUV420P && in->width == cfg.width && in->height == cfg.height)
    return in.ref();
  sws_.reset(sws_getCachedContext(sws_.release(), in->width, in->height,
                                  static_cast<AVPixelFormat>(in->format), cfg.width, cfg.height,
                                  AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!sws_) throw AvError("converting the picture to YUV 4:2:0", AVERROR(EINVAL));
  Frame out = Frame::allocate(cfg.width, cfg.height, AV_PIX_FMT_YUV420P);
  sws_scale(sws_.get(), in->data, in->linesize, 0, in->height, out->data, out->linesize);
  return out;
}

}  // namespace flowcast::media
