#include "media/source/url_source.hpp"

#include <deque>

#include "media/ffmpeg/av_error.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/audio_track.hpp"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

namespace flowcast::media {

namespace {

constexpr AVRational kRtpTimeBase{1, 90000};

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
  bool want_audio = false;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  const PayloadFormat* video_format = nullptr;
  std::unique_ptr<AVBSFContext, BsfFreer> bsf;
  int stream_index = -1;
  AVRational time_base{1, 90000};
  // The video's first decode time, in 90 kHz ticks of the stream's clock:
  // time 0 of every frame.
  std::optional<int64_t> origin_90k;
  int audio_index = -1;
  AudioTrack audio_track;
  SourceInfo info;
  Packet packet;
  std::deque<EncodedFrame> ready;
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
      throw SourceError(url + " has no video stream: flowcast relays video (and its sound)");
    for (unsigned i = 0; i < format->nb_streams; ++i)
      if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
    AVStream* st = format->streams[stream_index];
    time_base = st->time_base;
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    const AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    info.fps = rate.num && rate.den ? static_cast<int>((rate.num + rate.den / 2) / rate.den) : 0;
    if (rate.num > 0 && rate.den > 0) info.frame_rate = av_q2d(rate);
    const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
    info.codec_name = desc ? desc->name : "unknown";
    video_format = find_payload_format(st->codecpar->codec_id);
    if (!video_format)
      throw SourceError(url + " carries " + info.codec_name +
                        ": a live URL is relayed as it is, and only " + payload_format_names() +
                        " can be");
    info.codec_id = video_format->codec_id;
    open_filter(st);
    if (want_audio) {
      audio_index = audio_track.open(format.get(), stream_index, info, true);
      if (audio_index >= 0 && audio_track.awaiting_config()) await_audio_config();
    }
  }

  // Parameter sets before every keyframe. A container's length-prefixed
  // form (MP4, Matroska): the format's Annex B filter does it. Annex B
  // already (MPEG-TS, RTP): dump_extra puts the stream description's sets
  // (an RTSP source's sprop-parameter-sets) before each keyframe that does
  // not begin with them.
  void open_filter(const AVStream* st) {
    const uint8_t* extra = st->codecpar->extradata;
    const int size = st->codecpar->extradata_size;
    const bool annexb =
        extra && ((size >= 3 && extra[0] == 0 && extra[1] == 0 && extra[2] == 1) ||
                  (size >= 4 && extra[0] == 0 && extra[1] == 0 && extra[2] == 0 && extra[3] == 1));
    const std::string chain =
        annexb ? "dump_extra=freq=keyframe" : std::string(video_format->annexb_filter);
    AVBSFContext* b = nullptr;
    check_av(av_bsf_list_parse_str(chain.c_str(), &b), "setting up " + chain);
    bsf.reset(b);
    check_av(avcodec_parameters_copy(bsf->par_in, st->codecpar), "configuring " + chain);
    bsf->time_base_in = st->time_base;
    check_av(av_bsf_init(bsf.get()), "starting " + chain);
  }

  // Reads on until the audio's first frame says its configuration, or
  // kAudioConfigPackets later gives up on the audio.
  void await_audio_config() {
    for (int n = 0; n < kAudioConfigPackets && !eof && audio_track.config().empty(); ++n)
      read_one();
    if (!audio_track.config().empty()) {
      info.audio->config = audio_track.config();
      return;
    }
    info.ignored_audio = info.audio->codec_name + " without its configuration";
    info.audio.reset();
    format->streams[audio_index]->discard = AVDISCARD_ALL;
    audio_index = -1;
    std::erase_if(ready, [](const EncodedFrame& ef) { return ef.stream != 0; });
  }

  void fill() {
    while (ready.empty() && !eof) read_one();
  }

  // One packet read and made frames of (none, or several out of the filter).
  void read_one() {
    arm();
    const int ret = av_read_frame(format.get(), packet.get());
    if (ret == AVERROR_EOF || ret == AVERROR_EXIT || interrupted) {
      eof = true;
      // G.711's last samples, short of a whole packet.
      if (audio_index >= 0 && origin_90k)
        audio_track.finish([this](EncodedFrame ef) { ready.push_back(std::move(ef)); });
      return;
    }
    check_av(ret, "reading " + url);
    if (packet->stream_index == audio_index) {
      // Through the track's filter even before the first picture while its
      // first frame may carry the configuration; sound before the first
      // picture has none to go with.
      if (!origin_90k && !audio_track.awaiting_config()) {
        av_packet_unref(packet.get());
        return;
      }
      audio_track.push(packet.get(), origin_90k.value_or(0), [this](EncodedFrame ef) {
        if (origin_90k) ready.push_back(std::move(ef));
      });
      return;
    }
    if (packet->stream_index != stream_index) {
      av_packet_unref(packet.get());
      return;
    }
    check_av(av_bsf_send_packet(bsf.get(), packet.get()), "filtering " + info.codec_name);
    drain_bsf();
  }

  void drain_bsf() {
    for (;;) {
      const int ret = av_bsf_receive_packet(bsf.get(), packet.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
      check_av(ret, "filtering " + info.codec_name);
      const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      const int64_t dts = packet->dts != AV_NOPTS_VALUE ? packet->dts : pts;
      if (pts == AV_NOPTS_VALUE) {
        av_packet_unref(packet.get());
        continue;  // no time: nothing to pace it by
      }
      if (!origin_90k) origin_90k = av_rescale_q(dts, time_base, kRtpTimeBase);
      EncodedFrame ef;
      ef.annexb.assign(packet->data, packet->data + packet->size);
      ef.pts_90k = av_rescale_q(pts, time_base, kRtpTimeBase) - *origin_90k;
      ef.dts_90k = av_rescale_q(dts, time_base, kRtpTimeBase) - *origin_90k;
      ef.duration_90k = av_rescale_q(packet->duration, time_base, kRtpTimeBase);
      if (ef.duration_90k <= 0 && info.fps > 0) ef.duration_90k = 90000 / info.fps;
      ef.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
      av_packet_unref(packet.get());
      ready.push_back(std::move(ef));
    }
  }
};

UrlSource::UrlSource(const std::string& url, bool audio) : impl_(std::make_unique<Impl>()) {
  impl_->url = url;
  impl_->want_audio = audio;
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
