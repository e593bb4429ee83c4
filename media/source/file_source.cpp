#include "media/source/file_source.hpp"

#include <deque>

#include "media/ffmpeg/av_error.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/codec/h264_encoder.hpp"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace flowcast::media {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct BsfFreer {
  void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
};
struct SwsFreer {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

constexpr AVRational kRtpTimeBase{1, 90000};

}  // namespace

struct FileSource::Impl {
  std::string path;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  int stream_index = -1;
  AVRational time_base{1, 90000};
  int64_t start_pts = 0;  // stream time base
  SourceInfo info;
  Packet packet;
  bool eof = false;
  // Loop bookkeeping: timestamps keep increasing across rewinds.
  int64_t loop_offset_90k = 0;
  int64_t last_end_90k = 0;

  // Pass-through of H.264.
  std::unique_ptr<AVBSFContext, BsfFreer> bsf;
  // Transcoding of anything else.
  CodecContext decoder;
  std::unique_ptr<H264Encoder> encoder;
  std::unique_ptr<SwsContext, SwsFreer> sws;
  int64_t frames_in = 0;
  bool encoder_flushed = false;

  std::deque<EncodedFrame> ready;

  void open() {
    AVFormatContext* raw = nullptr;
    int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
    if (ret < 0)
      throw SourceError("cannot open " + path + ": " + av_error_text(ret) +
                        " (check the path, or omit INPUT to stream the built-in test pattern)");
    format.reset(raw);
    ret = avformat_find_stream_info(format.get(), nullptr);
    if (ret < 0) throw SourceError("cannot read " + path + ": " + av_error_text(ret));
    stream_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (stream_index < 0)
      throw SourceError(path + " has no video stream: flowcast streams video (audio is ignored)");
    for (unsigned i = 0; i < format->nb_streams; ++i)
      if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
    AVStream* st = format->streams[stream_index];
    time_base = st->time_base;
    start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    info.fps = rate.num && rate.den ? static_cast<int>((rate.num + rate.den / 2) / rate.den) : 0;
    const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
    info.codec_name = desc ? desc->name : "unknown";
    if (st->codecpar->codec_id == AV_CODEC_ID_H264)
      open_passthrough(st);
    else
      open_transcoder(st);
  }

  void open_passthrough(AVStream* st) {
    const AVBitStreamFilter* filter = av_bsf_get_by_name("h264_mp4toannexb");
    if (!filter) throw SourceError("this FFmpeg lacks the h264_mp4toannexb filter");
    AVBSFContext* raw = nullptr;
    check_av(av_bsf_alloc(filter, &raw), "allocating h264_mp4toannexb");
    bsf.reset(raw);
    check_av(avcodec_parameters_copy(bsf->par_in, st->codecpar), "configuring h264_mp4toannexb");
    bsf->time_base_in = st->time_base;
    check_av(av_bsf_init(bsf.get()), "starting h264_mp4toannexb");
  }

  void open_transcoder(AVStream* st) {
    info.transcoded = true;
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) throw SourceError("no decoder for the video codec " + info.codec_name + " of " + path);
    decoder = CodecContext(avcodec_alloc_context3(codec));
    check_av(avcodec_parameters_to_context(decoder.get(), st->codecpar), "configuring the decoder");
    decoder->pkt_timebase = st->time_base;
    decoder->thread_count = 2;
    check_av(avcodec_open2(decoder.get(), codec, nullptr), "opening the " + info.codec_name + " decoder");
    if (info.fps <= 0) info.fps = 25;
    EncoderConfig cfg;
    cfg.width = info.width & ~1;
    cfg.height = info.height & ~1;
    cfg.fps = info.fps;
    // About 0.1 bit per pixel per frame: clean enough to see the source.
    cfg.bitrate = std::max<int64_t>(500'000, int64_t{cfg.width} * cfg.height * cfg.fps / 10);
    cfg.gop = 2 * cfg.fps;
    cfg.max_b_frames = 0;
    cfg.low_latency = true;
    encoder = std::make_unique<H264Encoder>(cfg);
    info.width = cfg.width;
    info.height = cfg.height;
  }

  // Reads packets until at least one access unit is ready or the file ends.
  void fill() {
    while (ready.empty() && !eof) {
      int ret = av_read_frame(format.get(), packet.get());
      if (ret == AVERROR_EOF) {
        eof = true;
        drain_at_end();
        break;
      }
      check_av(ret, "reading " + path);
      if (packet->stream_index != stream_index) {
        av_packet_unref(packet.get());
        continue;
      }
      if (bsf) {
        check_av(av_bsf_send_packet(bsf.get(), packet.get()), "filtering H.264");
        drain_bsf();
      } else {
        feed_decoder(packet.get());
      }
    }
  }

  void drain_at_end() {
    if (bsf) {
      av_bsf_send_packet(bsf.get(), nullptr);
      drain_bsf();
    } else if (decoder) {
      feed_decoder(nullptr);
      if (!encoder_flushed) {
        encoder_flushed = true;
        for (auto& ef : encoder->flush()) push(std::move(ef), true);
      }
    }
  }

  void drain_bsf() {
    for (;;) {
      int ret = av_bsf_receive_packet(bsf.get(), packet.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
      check_av(ret, "filtering H.264");
      EncodedFrame ef;
      ef.annexb.assign(packet->data, packet->data + packet->size);
      int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      int64_t dts = packet->dts != AV_NOPTS_VALUE ? packet->dts : pts;
      ef.pts_90k = av_rescale_q(pts - start_pts, time_base, kRtpTimeBase);
      ef.dts_90k = av_rescale_q(dts - start_pts, time_base, kRtpTimeBase);
      ef.duration_90k = av_rescale_q(packet->duration, time_base, kRtpTimeBase);
      ef.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
      av_packet_unref(packet.get());
      push(std::move(ef), false);
    }
  }

  void feed_decoder(AVPacket* pkt) {
    int ret = avcodec_send_packet(decoder.get(), pkt);
    if (pkt) av_packet_unref(pkt);
    if (ret < 0 && ret != AVERROR_EOF && ret != AVERROR(EAGAIN)) return;  // skip a bad packet
    for (;;) {
      Frame frame;
      ret = avcodec_receive_frame(decoder.get(), frame.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
      if (ret < 0) break;
      Frame yuv = to_yuv420(frame);
      yuv->pts = frames_in++;
      for (auto& ef : encoder->encode(yuv)) push(std::move(ef), true);
    }
  }

  Frame to_yuv420(const Frame& in) {
    const auto& cfg = encoder->config();
    if (in->format == AV_PIX_FMT_YUV420P && in->width == cfg.width && in->height == cfg.height)
      return in.ref();
    sws.reset(sws_getCachedContext(sws.release(), in->width, in->height,
                                   static_cast<AVPixelFormat>(in->format), cfg.width, cfg.height,
                                   AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!sws) throw AvError("converting the picture to YUV 4:2:0", AVERROR(EINVAL));
    Frame out = Frame::allocate(cfg.width, cfg.height, AV_PIX_FMT_YUV420P);
    sws_scale(sws.get(), in->data, in->linesize, 0, in->height, out->data, out->linesize);
    return out;
  }

  void push(EncodedFrame ef, bool /*transcoded*/) {
    ef.pts_90k += loop_offset_90k;
    ef.dts_90k += loop_offset_90k;
    if (ef.duration_90k <= 0 && info.fps > 0) ef.duration_90k = 90000 / info.fps;
    last_end_90k = std::max(last_end_90k, ef.pts_90k + ef.duration_90k);
    ready.push_back(std::move(ef));
  }
};

FileSource::FileSource(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->open();
}
FileSource::~FileSource() = default;
FileSource::FileSource(FileSource&&) noexcept = default;
FileSource& FileSource::operator=(FileSource&&) noexcept = default;

const SourceInfo& FileSource::info() const { return impl_->info; }

std::optional<EncodedFrame> FileSource::next() {
  impl_->fill();
  if (impl_->ready.empty()) return std::nullopt;
  EncodedFrame ef = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return ef;
}

void FileSource::rewind() {
  Impl& s = *impl_;
  s.loop_offset_90k = s.last_end_90k;
  check_av(av_seek_frame(s.format.get(), s.stream_index, s.start_pts, AVSEEK_FLAG_BACKWARD),
           "rewinding " + s.path);
  s.eof = false;
  if (s.bsf) av_bsf_flush(s.bsf.get());
  if (s.decoder) avcodec_flush_buffers(s.decoder.get());
  if (s.encoder) {
    // A drained encoder cannot take frames again: start a fresh one.
    s.encoder = std::make_unique<H264Encoder>(s.encoder->config());
    s.encoder_flushed = false;
    s.frames_in = 0;
  }
}

}  // namespace flowcast::media
