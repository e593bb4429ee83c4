#include "media/source/url_source.hpp"

#include <deque>

#include "media/ffmpeg/av_error.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/payload/h264_packetizer.hpp"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

namespace flowcast::media {

namespace {

constexpr AVRational kRtpTimeBase{1, 90000};
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct BsfFreer {
  void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
};

}  // namespace

bool is_url(const std::string& input) {
  const auto colon = input.find("://");
  if (colon == std::string::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = input[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return true;
}

struct UrlSource::Impl {
  std::string url;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  std::unique_ptr<AVBSFContext, BsfFreer> bsf;
  int stream_index = -1;
  AVRational time_base{1, 90000};
  std::optional<int64_t> first_ts;
  SourceInfo info;
  Packet packet;
  std::deque<EncodedFrame> ready;
  std::vector<uint8_t> sps, pps;  // the last seen, without start codes
  std::atomic<bool> interrupted{false};
  std::atomic<int64_t> deadline_ns{0};  // steady clock; 0: none
  bool eof = false;

  static int on_interrupt(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->interrupted.load()) return 1;
    const int64_t deadline = self->deadline_ns.load();
    return deadline != 0 && now_ns() > deadline ? 1 : 0;
  }
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void arm() { deadline_ns = now_ns() + std::chrono::nanoseconds(kReadTimeout).count(); }

  void open() {
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw) throw std::bad_alloc();
    raw->interrupt_callback = {&Impl::on_interrupt, this};
    arm();
    int ret = avformat_open_input(&raw, url.c_str(), nullptr, nullptr);
    if (ret < 0)
      throw SourceError("cannot open " + url + ": " + av_error_text(ret) +
                        " (is the source up, and the URL right?)");
    format.reset(raw);
    arm();
    ret = avformat_find_stream_info(format.get(), nullptr);
    if (ret < 0) throw SourceError("cannot read " + url + ": " + av_error_text(ret));
    stream_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (stream_index < 0)
      throw SourceError(url + " has no video stream: flowcast relays video (audio is ignored)");
    for (unsigned i = 0; i < format->nb_streams; ++i)
      if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
    AVStream* st = format->streams[stream_index];
    time_base = st->time_base;
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    const AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    info.fps = rate.num && rate.den ? static_cast<int>((rate.num + rate.den / 2) / rate.den) : 0;
    const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
    info.codec_name = desc ? desc->name : "unknown";
    if (st->codecpar->codec_id != AV_CODEC_ID_H264)
      throw SourceError(url + " carries " + info.codec_name +
                        ": a live URL is relayed as it is, and only H.264 can be");
    info.codec_id = st->codecpar->codec_id;
    const AVBitStreamFilter* filter = av_bsf_get_by_name("h264_mp4toannexb");
    if (!filter) throw SourceError("this FFmpeg lacks the h264_mp4toannexb filter");
    AVBSFContext* b = nullptr;
    check_av(av_bsf_alloc(filter, &b), "allocating h264_mp4toannexb");
    bsf.reset(b);
    check_av(avcodec_parameters_copy(bsf->par_in, st->codecpar), "configuring h264_mp4toannexb");
    bsf->time_base_in = st->time_base;
    check_av(av_bsf_init(bsf.get()), "starting h264_mp4toannexb");
    // Parameter sets the stream description carries (Annex B extradata).
    if (st->codecpar->extradata_size > 0 && st->codecpar->extradata[0] == 0)
      remember(std::span<const uint8_t>(st->codecpar->extradata,
                                        static_cast<size_t>(st->codecpar->extradata_size)));
  }

  // Notes the SPS and PPS of an Annex B access unit; true if it holds an IDR.
  bool remember(std::span<const uint8_t> annexb) {
    bool idr = false;
    for (auto nal : split_annexb(annexb)) {
      if (nal.empty()) continue;
      const int type = nal[0] & 0x1f;
      if (type == 7) sps.assign(nal.begin(), nal.end());
      if (type == 8) pps.assign(nal.begin(), nal.end());
      if (type == 5) idr = true;
    }
    return idr;
  }

  void fill() {
    while (ready.empty() && !eof) {
      arm();
      const int ret = av_read_frame(format.get(), packet.get());
      if (ret == AVERROR_EOF || ret == AVERROR_EXIT || interrupted) {
        eof = true;
        break;
      }
      check_av(ret, "reading " + url);
      if (packet->stream_index != stream_index) {
        av_packet_unref(packet.get());
        continue;
      }
      check_av(av_bsf_send_packet(bsf.get(), packet.get()), "filtering H.264");
      drain_bsf();
    }
  }

  void drain_bsf() {
    for (;;) {
      const int ret = av_bsf_receive_packet(bsf.get(), packet.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
      check_av(ret, "filtering H.264");
      const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      const int64_t dts = packet->dts != AV_NOPTS_VALUE ? packet->dts : pts;
      if (pts == AV_NOPTS_VALUE) {
        av_packet_unref(packet.get());
        continue;  // no time: nothing to pace it by
      }
      if (!first_ts) first_ts = dts;
      EncodedFrame ef;
      const std::span<const uint8_t> data(packet->data, static_cast<size_t>(packet->size));
      const bool had_sps = !sps.empty();
      const bool idr = remember(data);
      bool has_sets = false;
      for (auto nal : split_annexb(data))
        if (!nal.empty() && (nal[0] & 0x1f) == 7) has_sets = true;
      if (idr && !has_sets && had_sps && !pps.empty()) {
        for (const auto* set : {&sps, &pps}) {
          ef.annexb.insert(ef.annexb.end(), std::begin(kStartCode), std::end(kStartCode));
          ef.annexb.insert(ef.annexb.end(), set->begin(), set->end());
        }
      }
      ef.annexb.insert(ef.annexb.end(), data.begin(), data.end());
      ef.pts_90k = av_rescale_q(pts - *first_ts, time_base, kRtpTimeBase);
      ef.dts_90k = av_rescale_q(dts - *first_ts, time_base, kRtpTimeBase);
      ef.duration_90k = av_rescale_q(packet->duration, time_base, kRtpTimeBase);
      if (ef.duration_90k <= 0 && info.fps > 0) ef.duration_90k = 90000 / info.fps;
      ef.keyframe = idr || (packet->flags & AV_PKT_FLAG_KEY) != 0;
      av_packet_unref(packet.get());
      ready.push_back(std::move(ef));
    }
  }
};

UrlSource::UrlSource(const std::string& url) : impl_(std::make_unique<Impl>()) {
  impl_->url = url;
  impl_->open();
}

UrlSource::~UrlSource() = default;

const SourceInfo& UrlSource::info() const {
  return impl_->info;
}

std::optional<EncodedFrame> UrlSource::next() {
  impl_->fill();
  if (impl_->ready.empty()) return std::nullopt;
  EncodedFrame ef = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return ef;
}

void UrlSource::interrupt() {
  impl_->interrupted = true;
}

}  // namespace flowcast::media
