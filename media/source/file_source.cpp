#include "media/source/file_source.hpp"

#include <deque>

#include "media/ffmpeg/av_error.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/audio_track.hpp"
#include "media/source/file_transcoder.hpp"
#include "media/source/source_timeline.hpp"

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

namespace flowcast::media {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct BsfFreer {
  void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
};
struct ParserCloser {
  void operator()(AVCodecParserContext* p) const { av_parser_close(p); }
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
  // A packet read ahead by seek(), taken first by fill().
  Packet held;
  bool holding = false;
  bool eof = false;
  // Loop bookkeeping: timestamps keep increasing across rewinds.
  int64_t loop_offset_90k = 0;
  int64_t last_end_90k = 0;

  // Pass-through of video a payload format carries (its format here).
  const PayloadFormat* format_of_stream = nullptr;
  std::unique_ptr<AVBSFContext, BsfFreer> bsf;
  // Transcoding of anything else.
  std::unique_ptr<FileTranscoder> transcoder;
  // What the transcoder encodes goes on as a file's own frames would.
  FileTranscoder::Sink to_ready = [this](EncodedFrame ef) { push(std::move(ef)); };

  std::deque<EncodedFrame> ready;

  // The audio track (stream 1) when asked and sent, timed from the
  // video's start (90 kHz). Reading ahead of one stream while the other has
  // nothing (ended, or starting later) stops at kMaxAhead units or
  // kMaxAheadBytes held, whichever comes first (one session holds at most
  // that much of a file it reads ahead).
  bool want_audio = false;
  int audio_index = -1;
  AudioTrack audio_track;
  int64_t video_origin_90k = 0;
  std::deque<EncodedFrame> audio_ready;
  static constexpr size_t kMaxAhead = 256;
  static constexpr size_t kMaxAheadBytes = 4 << 20;
  size_t ready_bytes = 0;  // of ready and audio_ready

  // Edit lists: hidden pictures before the first shown one, held.
  static constexpr size_t kMaxPreroll = 600;
  std::vector<EncodedFrame> preroll;
  bool shown_any = false;

  // Every packet's times pass through the timeline, and leave in 90 kHz
  // ticks: what follows (the filter, the decoder) works in kRtpTimeBase.
  std::optional<SourceTimeline> timeline;
  // A stream without timestamps: the picture order count, from libavcodec's
  // parser (PayloadFormat::parser_orders_pictures), gives the presentation
  // order.
  std::unique_ptr<AVCodecParserContext, ParserCloser> order_parser;
  CodecContext order_parser_context;

  // ", only audio (aac)" for a file whose best stream is audio, naming its
  // codec: the line says what the file has, not only what it lacks.
  std::string audio_only() const {
    const int audio = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (audio < 0) return "";
    const AVCodecDescriptor* desc =
        avcodec_descriptor_get(format->streams[audio]->codecpar->codec_id);
    return std::string(", only audio (") + (desc ? desc->name : "unknown codec") + ")";
  }

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
      throw SourceError(path + " has no video stream" + audio_only() +
                        ": flowcast streams video, with its sound beside it");
    for (unsigned i = 0; i < format->nb_streams; ++i)
      if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
    AVStream* st = format->streams[stream_index];
    time_base = st->time_base;
    start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      info.duration_90k = av_rescale_q(st->duration, time_base, kRtpTimeBase);
    else if (format->duration != AV_NOPTS_VALUE && format->duration > 0)
      info.duration_90k = av_rescale_q(format->duration, AV_TIME_BASE_Q, kRtpTimeBase);
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    info.fps = rate.num && rate.den ? static_cast<int>((rate.num + rate.den / 2) / rate.den) : 0;
    TimelineConfig timing;
    if (rate.num > 0 && rate.den > 0) {
      info.frame_rate = av_q2d(rate);
      timing.frame_duration_90k = av_rescale_q(1, av_inv_q(rate), kRtpTimeBase);
    }
    timing.reorder_depth = std::max(0, st->codecpar->video_delay);
    timing.discontinuous_format = (format->iformat->flags & AVFMT_TS_DISCONT) != 0;
    timeline.emplace(timing);
    // A raw elementary stream: libavformat finds no timestamp at all.
    info.timestamps_from_rate = st->start_time == AV_NOPTS_VALUE;
    const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
    info.codec_name = desc ? desc->name : "unknown";
    // Video a payload format carries goes as it is (H.264: RFC 6184, H.265:
    // RFC 7798); the rest is transcoded to the table's transcode target, on
    // purpose: any file plays.
    format_of_stream = find_payload_format(st->codecpar->codec_id);
    if (info.timestamps_from_rate && format_of_stream && format_of_stream->parser_orders_pictures)
      open_order_parser();
    if (format_of_stream)
      open_passthrough(st);
    else
      transcoder = std::make_unique<FileTranscoder>(*st, info, path);
    video_origin_90k = av_rescale_q(start_pts, time_base, kRtpTimeBase);
    if (want_audio) audio_index = audio_track.open(format.get(), stream_index, info);
  }

  // The audio track's frames go on as they come, after the loops before.
  AudioTrack::Sink to_audio_ready = [this](EncodedFrame ef) {
    ef.pts_90k += loop_offset_90k;
    ef.dts_90k += loop_offset_90k;
    last_end_90k = std::max(last_end_90k, ef.pts_90k + ef.duration_90k);
    ready_bytes += ef.annexb.size();
    audio_ready.push_back(std::move(ef));
  };

  // Whether to read on: until both streams have a unit ready, or one has
  // kMaxAhead (the other may have ended).
  bool wants_more() const {
    if (eof) return false;
    // At the bound, what is held goes out first (the other stream's next
    // unit may be far ahead).
    if (ready_bytes >= kMaxAheadBytes && (!ready.empty() || !audio_ready.empty())) return false;
    const bool audio_has = audio_index < 0 || !audio_ready.empty();
    if (!ready.empty() && audio_has) return false;
    if (ready.empty() && (audio_index < 0 || audio_ready.size() < kMaxAhead)) return true;
    return ready.size() < kMaxAhead && audio_ready.size() < kMaxAhead;
  }

  void open_order_parser() {
    order_parser.reset(av_parser_init(format_of_stream->codec_id));
    order_parser_context = CodecContext(avcodec_alloc_context3(nullptr));
    if (!order_parser || !order_parser_context) {
      order_parser.reset();
      return;
    }
    // The demuxer already cut the stream into access units.
    order_parser->flags |= PARSER_FLAG_COMPLETE_FRAMES;
  }

  // The access unit's rank in presentation order since the last IDR, or
  // nullopt when the parser cannot tell.
  std::optional<int64_t> picture_order(const AVPacket* pkt) {
    if (!order_parser) return std::nullopt;
    uint8_t* out = nullptr;
    int out_size = 0;
    av_parser_parse2(order_parser.get(), order_parser_context.get(), &out, &out_size, pkt->data,
                     pkt->size, AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
    // Frame pictures count two in the picture order count (a field each).
    const int poc = order_parser->output_picture_number;
    if (poc < 0) return std::nullopt;
    return poc / 2;
  }

  // Rewrites the packet's times as the timeline places them, in 90 kHz.
  void place_on_timeline(AVPacket* pkt) {
    auto ticks = [&](int64_t t) -> std::optional<int64_t> {
      if (t == AV_NOPTS_VALUE) return std::nullopt;
      return av_rescale_q(t - start_pts, time_base, kRtpTimeBase);
    };
    std::optional<int64_t> order;
    if (pkt->pts == AV_NOPTS_VALUE && pkt->dts == AV_NOPTS_VALUE) order = picture_order(pkt);
    const TimelinePoint point = timeline->place(
        ticks(pkt->pts), ticks(pkt->dts),
        pkt->duration > 0 ? av_rescale_q(pkt->duration, time_base, kRtpTimeBase) : 0, order,
        (pkt->flags & AV_PKT_FLAG_KEY) != 0);
    pkt->pts = point.pts_90k;
    pkt->dts = point.dts_90k;
    pkt->duration = point.duration_90k;
    pkt->time_base = kRtpTimeBase;
  }

  // Annex B with the parameter sets before every keyframe, from MP4's
  // length-prefixed form (a stream already in Annex B passes unchanged).
  void open_passthrough(AVStream* st) {
    info.codec_id = format_of_stream->codec_id;
    const std::string name(format_of_stream->annexb_filter);
    const AVBitStreamFilter* filter = av_bsf_get_by_name(name.c_str());
    if (!filter) throw SourceError("this FFmpeg lacks the " + name + " filter");
    AVBSFContext* raw = nullptr;
    check_av(av_bsf_alloc(filter, &raw), "allocating " + name);
    bsf.reset(raw);
    check_av(avcodec_parameters_copy(bsf->par_in, st->codecpar), "configuring " + name);
    bsf->time_base_in = kRtpTimeBase;
    check_av(av_bsf_init(bsf.get()), "starting " + name);
  }

  // Reads packets until at least one access unit is ready or the file ends.
  void fill() {
    while (wants_more()) {
      int ret = 0;
      if (holding) {
        av_packet_move_ref(packet.get(), held.get());
        holding = false;
      } else {
        ret = av_read_frame(format.get(), packet.get());
      }
      if (ret == AVERROR_EOF) {
        eof = true;
        drain_at_end();
        break;
      }
      check_av(ret, "reading " + path);
      if (packet->stream_index == audio_index) {
        audio_track.push(packet.get(), video_origin_90k, to_audio_ready);
        continue;
      }
      if (packet->stream_index != stream_index) {
        av_packet_unref(packet.get());
        continue;
      }
      place_on_timeline(packet.get());
      if (bsf) {
        check_av(av_bsf_send_packet(bsf.get(), packet.get()), "filtering " + info.codec_name);
        drain_bsf();
      } else {
        transcoder->feed(packet.get(), to_ready);
      }
    }
  }

  void drain_at_end() {
    if (audio_index >= 0) audio_track.finish(to_audio_ready);
    if (bsf) {
      av_bsf_send_packet(bsf.get(), nullptr);
      drain_bsf();
      release_preroll(std::nullopt);
    } else if (transcoder) {
      transcoder->finish(to_ready);
    }
  }

  void drain_bsf() {
    for (;;) {
      int ret = av_bsf_receive_packet(bsf.get(), packet.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
      check_av(ret, "filtering " + info.codec_name);
      EncodedFrame ef;
      ef.annexb.assign(packet->data, packet->data + packet->size);
      // In 90 kHz ticks since place_on_timeline().
      ef.pts_90k = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      ef.dts_90k = packet->dts != AV_NOPTS_VALUE ? packet->dts : ef.pts_90k;
      ef.duration_90k = packet->duration;
      ef.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
      // Hidden by an edit list: the decoder needs it, the viewer must not
      // see it (PayloadFormat::mark_hidden).
      const bool hidden = (packet->flags & AV_PKT_FLAG_DISCARD) != 0;
      // A format without such a mark (H.265) shows them, as ffmpeg's own
      // -f rtp shows them to other receivers.
      if (hidden && format_of_stream->mark_hidden) format_of_stream->mark_hidden(ef.annexb);
      av_packet_unref(packet.get());
      deliver(std::move(ef), hidden);
    }
  }

  // Pictures an edit list hides before the first one it shows (the rest of
  // the GOP the cut starts in) are held until that one comes, then go just
  // before it: one tick apart, ending a tick before its decode time. They
  // leave at once and take no time of the file's timeline, so the first
  // picture shown is due when playback starts, as ffmpeg shows the file.
  void deliver(EncodedFrame ef, bool hidden) {
    if (!shown_any) {
      if (hidden && preroll.size() < kMaxPreroll) {
        preroll.push_back(std::move(ef));
        return;
      }
      if (hidden) {
        // Too long to be the rest of a GOP: they go as they are.
        release_preroll(std::nullopt);
      } else {
        shown_any = true;
        release_preroll(ef.dts_90k);
      }
    }
    push(std::move(ef));
  }

  void release_preroll(std::optional<int64_t> before_dts) {
    const auto n = static_cast<int64_t>(preroll.size());
    for (int64_t i = 0; i < n; ++i) {
      EncodedFrame& ef = preroll[static_cast<size_t>(i)];
      if (before_dts) {
        ef.dts_90k = ef.pts_90k = *before_dts - (n - i);
        ef.duration_90k = 1;
      }
      push(std::move(ef));
    }
    preroll.clear();
  }

  void push(EncodedFrame ef) {
    ef.pts_90k += loop_offset_90k;
    ef.dts_90k += loop_offset_90k;
    if (ef.duration_90k <= 0 && info.fps > 0) ef.duration_90k = 90000 / info.fps;
    last_end_90k = std::max(last_end_90k, ef.pts_90k + ef.duration_90k);
    ready_bytes += ef.annexb.size();
    ready.push_back(std::move(ef));
  }
};

FileSource::FileSource(const std::string& path, bool audio) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->want_audio = audio;
  impl_->open();
}
FileSource::~FileSource() = default;
FileSource::FileSource(FileSource&&) noexcept = default;
FileSource& FileSource::operator=(FileSource&&) noexcept = default;

const SourceInfo& FileSource::info() const {
  return impl_->info;
}

std::optional<EncodedFrame> FileSource::next() {
  Impl& s = *impl_;
  s.fill();
  // The earlier decode time first; the video on a tie.
  const bool audio = !s.audio_ready.empty() &&
                     (s.ready.empty() || s.audio_ready.front().dts_90k < s.ready.front().dts_90k);
  auto& queue = audio ? s.audio_ready : s.ready;
  if (queue.empty()) return std::nullopt;
  EncodedFrame ef = std::move(queue.front());
  queue.pop_front();
  s.ready_bytes -= ef.annexb.size();
  return ef;
}

uint64_t FileSource::discontinuities() const {
  return impl_->timeline->discontinuities();
}

void FileSource::rewind() {
  Impl& s = *impl_;
  s.loop_offset_90k = s.last_end_90k;
  check_av(av_seek_frame(s.format.get(), s.stream_index, s.start_pts, AVSEEK_FLAG_BACKWARD),
           "rewinding " + s.path);
  restart();
}

int64_t FileSource::seek(int64_t position_90k) {
  Impl& s = *impl_;
  const int64_t target =
      s.start_pts + av_rescale_q(std::max<int64_t>(0, position_90k), kRtpTimeBase, s.time_base);
  check_av(av_seek_frame(s.format.get(), s.stream_index, target, AVSEEK_FLAG_BACKWARD),
           "seeking in " + s.path);
  restart();
  // The first packet of the video stream says where the seek landed.
  for (;;) {
    const int ret = av_read_frame(s.format.get(), s.held.get());
    if (ret == AVERROR_EOF) return 0;
    check_av(ret, "reading " + s.path);
    if (s.held->stream_index == s.stream_index) break;
    av_packet_unref(s.held.get());
  }
  s.holding = true;
  const int64_t at = s.held->pts != AV_NOPTS_VALUE ? s.held->pts : s.held->dts;
  if (at == AV_NOPTS_VALUE) return 0;
  return std::max<int64_t>(0, av_rescale_q(at - s.start_pts, s.time_base, kRtpTimeBase));
}

void FileSource::restart() {
  Impl& s = *impl_;
  if (s.holding) av_packet_unref(s.held.get());
  s.holding = false;
  s.ready.clear();
  s.audio_ready.clear();
  s.ready_bytes = 0;
  s.eof = false;
  if (s.bsf) av_bsf_flush(s.bsf.get());
  if (s.transcoder) s.transcoder->restart();
  s.audio_track.restart();
  s.timeline->reset();
  s.preroll.clear();
  s.shown_any = false;
  if (s.order_parser) s.open_order_parser();
}

}  // namespace flowcast::media
