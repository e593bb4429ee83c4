#include "media/codec/audio_decoder.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include "media/ffmpeg/av_error.hpp"
#include "media/payload/fmtp.hpp"

namespace flowcast::media {
namespace {

bool is_supported(AVCodecID id) {
  return id == AV_CODEC_ID_AAC || id == AV_CODEC_ID_OPUS || id == AV_CODEC_ID_PCM_MULAW ||
         id == AV_CODEC_ID_PCM_ALAW;
}

// RFC 6716 §3.1: the TOC byte's config (bits 7-3) gives the frame duration.
// A code-0 packet of the TOC alone holds one frame of 0 bytes, which a
// decoder takes as lost and conceals (§3.2.1, libopus's opus_decode_frame).
uint8_t plc_packet_toc(uint8_t last_toc) {
  return static_cast<uint8_t>(last_toc & 0xFC);
}

}  // namespace

void AudioDecoder::SwrFree::operator()(SwrContext* s) const {
  swr_free(&s);
}

AudioStreamParameters audio_stream_parameters(const PayloadFormat& format, uint32_t sample_rate,
                                              uint32_t channels, std::string_view fmtp) {
  AudioStreamParameters p;
  p.codec_id = format.codec_id;
  p.sample_rate = sample_rate != 0 ? sample_rate : format.clock_rate;
  p.channels = channels != 0 ? channels : (format.channels != 0 ? format.channels : 1);
  if (format.read_fmtp && !fmtp.empty()) {
    FormatParameters parameters;
    format.read_fmtp(fmtp_items(fmtp), parameters);
    p.config = std::move(parameters.config);
  }
  return p;
}

AudioStreamParameters g711_stream_parameters(std::string_view encoding_name, uint32_t sample_rate,
                                             uint32_t channels) {
  const std::string name = lower_fmtp(encoding_name);
  AudioStreamParameters p;
  if (name == "pcmu") {
    p.codec_id = AV_CODEC_ID_PCM_MULAW;
  } else if (name == "pcma") {
    p.codec_id = AV_CODEC_ID_PCM_ALAW;
  } else {
    throw std::invalid_argument("G.711 is PCMU or PCMA, not " + std::string(encoding_name));
  }
  p.sample_rate = sample_rate;
  p.channels = channels;
  return p;
}

AudioDecoder::AudioDecoder(AudioStreamParameters stream) : stream_(std::move(stream)) {
  if (!is_supported(stream_.codec_id))
    throw std::invalid_argument(std::string("flowcast decodes AAC, Opus or G.711 audio, not ") +
                                avcodec_get_name(stream_.codec_id));
  if (stream_.sample_rate < 8000 || stream_.sample_rate > 192000)
    throw std::invalid_argument("an audio rate of " + std::to_string(stream_.sample_rate) +
                                " Hz is outside 8000-192000");
  if (stream_.channels < 1 || stream_.channels > kMaxAudioChannels)
    throw std::invalid_argument(std::to_string(stream_.channels) +
                                " audio channels are outside 1-" +
                                std::to_string(kMaxAudioChannels));
  const AVCodec* codec = nullptr;
  if (stream_.codec_id == AV_CODEC_ID_OPUS) {
    // libavcodec's native Opus decoder (in FFmpeg 5.1, libavcodec 59) has
    // no packet loss concealment: a lost frame (0 bytes, RFC 6716 §3.2.1)
    // decodes to the last frame's overlap fading out, then silence. libopus
    // conceals, continuing the sound (its PLC, RFC 6716 §4.4).
    codec = avcodec_find_decoder_by_name("libopus");
    native_concealment_ = codec != nullptr;
  }
  if (!codec) codec = avcodec_find_decoder(stream_.codec_id);
  if (!codec)
    throw AvError(
        std::string("this FFmpeg has no ") + avcodec_get_name(stream_.codec_id) + " decoder",
        AVERROR_DECODER_NOT_FOUND);
  ctx_ = CodecContext(avcodec_alloc_context3(codec));
  if (!ctx_) throw std::bad_alloc();
  // Opus decodes at 48 kHz whatever the stream's rate says (RFC 7587 §4.1).
  ctx_->sample_rate =
      stream_.codec_id == AV_CODEC_ID_OPUS ? 48000 : static_cast<int>(stream_.sample_rate);
  av_channel_layout_default(&ctx_->ch_layout, static_cast<int>(stream_.channels));
  ctx_->pkt_timebase = AVRational{1, static_cast<int>(stream_.sample_rate)};
  if (!stream_.config.empty()) {
    ctx_->extradata =
        static_cast<uint8_t*>(av_mallocz(stream_.config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!ctx_->extradata) throw std::bad_alloc();
    std::memcpy(ctx_->extradata, stream_.config.data(), stream_.config.size());
    ctx_->extradata_size = static_cast<int>(stream_.config.size());
  }
  // A frame with an error is refused, not output as part silence, so that
  // it is counted and concealed like a lost one.
  ctx_->err_recognition |= AV_EF_EXPLODE;
  check_av(avcodec_open2(ctx_.get(), codec, nullptr),
           std::string("opening the ") + codec->name + " decoder");
}

AudioDecoder::~AudioDecoder() {
  av_channel_layout_uninit(&swr_layout_);
}

std::string_view AudioDecoder::decoder_name() const {
  return ctx_->codec ? ctx_->codec->name : "";
}

size_t AudioDecoder::max_frame_samples() const {
  return size_t{stream_.sample_rate} * kMaxAudioFrameMs / 1000;
}

AudioBlock AudioDecoder::decode(std::span<const uint8_t> frame, int64_t timestamp) {
  if (frame.empty() || frame.size() > kMaxAudioFrameBytes) return reject(timestamp);
  AudioBlock out;
  out.timestamp = timestamp;
  if (!decode_into(frame, timestamp, out)) {
    // What came out before the error is dropped with the frame: one
    // concealed block stands for all of it.
    return reject(timestamp);
  }
  if (stream_.codec_id == AV_CODEC_ID_OPUS) last_toc_ = frame[0];
  decoded_any_ = true;
  if (out.samples > 0) last_samples_ = out.samples;
  next_timestamp_ = timestamp + static_cast<int64_t>(out.samples);
  return out;
}

AudioBlock AudioDecoder::reject(int64_t timestamp) {
  ++rejected_;
  size_t samples = last_samples_;
  if (samples == 0) samples = stream_.codec_id == AV_CODEC_ID_AAC ? 1024 : stream_.sample_rate / 50;
  next_timestamp_ = timestamp;
  return conceal(samples);
}

AudioBlock AudioDecoder::silence(size_t samples, int64_t timestamp) const {
  AudioBlock out;
  out.pcm.assign(samples * stream_.channels, 0);
  out.samples = samples;
  out.timestamp = timestamp;
  out.concealed = true;
  out.concealed_silently = true;
  return out;
}

AudioBlock AudioDecoder::conceal(size_t samples) {
  samples = std::min(samples, max_frame_samples());
  const int64_t timestamp = next_timestamp_;
  next_timestamp_ += static_cast<int64_t>(samples);
  if (!native_concealment_ || !decoded_any_ || samples == 0) return silence(samples, timestamp);
  AudioBlock out;
  out.timestamp = timestamp;
  const uint8_t toc = plc_packet_toc(last_toc_);
  // Each lost-frame packet conceals one frame of the last packet's
  // duration (2.5 to 60 ms): enough of them to cover `samples`, the
  // last cut.
  while (out.samples < samples) {
    const size_t before = out.samples;
    if (!decode_into(std::span<const uint8_t>(&toc, 1), AV_NOPTS_VALUE, out) ||
        out.samples == before)
      break;
  }
  if (out.samples < samples) {
    // The decoder would not conceal: the rest is silence.
    out.pcm.resize(samples * stream_.channels, 0);
    out.samples = samples;
  }
  out.pcm.resize(samples * stream_.channels);
  out.samples = samples;
  out.concealed = true;
  out.concealed_silently =
      std::all_of(out.pcm.begin(), out.pcm.end(), [](int16_t v) { return v == 0; });
  return out;
}

bool AudioDecoder::decode_into(std::span<const uint8_t> frame, int64_t pts, AudioBlock& out) {
  av_packet_unref(packet_.get());
  if (av_new_packet(packet_.get(), static_cast<int>(frame.size())) < 0) throw std::bad_alloc();
  std::memcpy(packet_->data, frame.data(), frame.size());
  packet_->pts = pts;
  // Concealment may run to a whole conceal() call; a decoded frame to its
  // own bound.
  const size_t limit = out.samples + max_frame_samples();
  bool ok = true;
  const auto drain = [&] {
    for (;;) {
      const int got = avcodec_receive_frame(ctx_.get(), frame_.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
      if (got < 0 || !convert(frame_.get(), out, limit)) ok = false;
      av_frame_unref(frame_.get());
      if (!ok) return;
    }
  };
  int ret = avcodec_send_packet(ctx_.get(), packet_.get());
  if (ret == AVERROR(EAGAIN)) {
    // The output is full: take what is ready, then the packet fits.
    drain();
    ret = avcodec_send_packet(ctx_.get(), packet_.get());
  }
  av_packet_unref(packet_.get());
  if (ret < 0) ok = false;
  if (ok) drain();
  return ok;
}

bool AudioDecoder::convert(const AVFrame* frame, AudioBlock& out, size_t limit) {
  if (frame->nb_samples <= 0) return true;
  const int channels = frame->ch_layout.nb_channels;
  if (channels < 1 || channels > static_cast<int>(kMaxAudioChannels)) return false;
  const int rate = frame->sample_rate > 0 ? frame->sample_rate : ctx_->sample_rate;
  AVChannelLayout in_layout{};
  if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
    av_channel_layout_default(&in_layout, channels);
  else if (av_channel_layout_copy(&in_layout, &frame->ch_layout) < 0)
    return false;
  if (!swr_ || frame->format != swr_format_ || rate != swr_rate_ ||
      av_channel_layout_compare(&in_layout, &swr_layout_) != 0) {
    AVChannelLayout out_layout{};
    av_channel_layout_default(&out_layout, static_cast<int>(stream_.channels));
    SwrContext* raw = nullptr;
    int ret = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16,
                                  static_cast<int>(stream_.sample_rate), &in_layout,
                                  static_cast<AVSampleFormat>(frame->format), rate, 0, nullptr);
    av_channel_layout_uninit(&out_layout);
    swr_.reset(raw);
    if (ret >= 0) ret = swr_init(swr_.get());
    if (ret < 0) {
      swr_.reset();
      av_channel_layout_uninit(&in_layout);
      return false;
    }
    swr_format_ = frame->format;
    swr_rate_ = rate;
    av_channel_layout_uninit(&swr_layout_);
    swr_layout_ = in_layout;
  } else {
    av_channel_layout_uninit(&in_layout);
  }
  const int room = swr_get_out_samples(swr_.get(), frame->nb_samples);
  if (room < 0 || out.samples + static_cast<size_t>(room) > limit + stream_.sample_rate / 10)
    return false;
  const size_t channels_out = stream_.channels;
  out.pcm.resize((out.samples + static_cast<size_t>(room)) * channels_out);
  auto* dst = reinterpret_cast<uint8_t*>(out.pcm.data() + out.samples * channels_out);
  const int n = swr_convert(swr_.get(), &dst, room,
                            const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
  if (n < 0) {
    out.pcm.resize(out.samples * channels_out);
    return false;
  }
  out.samples += static_cast<size_t>(n);
  out.pcm.resize(out.samples * channels_out);
  return out.samples <= limit;
}

}  // namespace flowcast::media
