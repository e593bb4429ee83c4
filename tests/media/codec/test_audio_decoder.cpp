// AudioDecoder against FFmpeg's own encoders: a 1 kHz sine encoded in
// memory as AAC, Opus and G.711 comes back with its length, its pitch and
// its loudness; broken frames are counted and concealed, never thrown.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

#include "media/codec/audio_decoder.hpp"
#include "media/ffmpeg/av_error.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/payload/aac_payload.hpp"
#include "media/payload/payload_format.hpp"

using namespace flowcast::media;

namespace {

constexpr double kTone = 1000.0;    // Hz
constexpr double kAmplitude = 0.5;  // of full scale
constexpr double kSeconds = 1.0;

struct Encoded {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<int64_t> timestamps;  // in samples
  std::vector<uint8_t> extradata;
  size_t input_samples = 0;  // what went in, per channel
  int frame_size = 0;        // samples per frame
  int delay = 0;             // the encoder's priming samples (initial_padding)
};

void fill(AVFrame* f, int channels, size_t first_sample, int rate) {
  for (int i = 0; i < f->nb_samples; ++i) {
    const double v =
        kAmplitude * std::sin(2 * M_PI * kTone * static_cast<double>(first_sample + i) / rate);
    for (int c = 0; c < channels; ++c) {
      switch (f->format) {
        case AV_SAMPLE_FMT_S16:
          reinterpret_cast<int16_t*>(f->data[0])[i * channels + c] =
              static_cast<int16_t>(v * 32767);
          break;
        case AV_SAMPLE_FMT_FLT:
          reinterpret_cast<float*>(f->data[0])[i * channels + c] = static_cast<float>(v);
          break;
        case AV_SAMPLE_FMT_FLTP:
          reinterpret_cast<float*>(f->extended_data[c])[i] = static_cast<float>(v);
          break;
        case AV_SAMPLE_FMT_S16P:
          reinterpret_cast<int16_t*>(f->extended_data[c])[i] = static_cast<int16_t>(v * 32767);
          break;
        default:
          FAIL("the encoder wants a sample format the test does not fill");
      }
    }
  }
}

// kSeconds of the sine through FFmpeg's encoder `name`, flushed.
Encoded encode_sine(const char* name, int rate, int channels) {
  const AVCodec* codec = avcodec_find_encoder_by_name(name);
  REQUIRE(codec != nullptr);
  CodecContext ctx(avcodec_alloc_context3(codec));
  ctx->sample_rate = rate;
  av_channel_layout_default(&ctx->ch_layout, channels);
  ctx->sample_fmt = codec->sample_fmts[0];
  ctx->time_base = AVRational{1, rate};
  ctx->bit_rate = 64000 * channels;
  check_av(avcodec_open2(ctx.get(), codec, nullptr), "opening the encoder");
  Encoded out;
  out.frame_size = ctx->frame_size > 0 ? ctx->frame_size : rate / 50;
  out.delay = ctx->initial_padding;
  if (ctx->extradata_size > 0)
    out.extradata.assign(ctx->extradata, ctx->extradata + ctx->extradata_size);
  const size_t total = static_cast<size_t>(rate * kSeconds);
  Packet packet;
  const auto drain = [&] {
    while (avcodec_receive_packet(ctx.get(), packet.get()) == 0) {
      out.frames.emplace_back(packet->data, packet->data + packet->size);
      out.timestamps.push_back(packet->pts);
      av_packet_unref(packet.get());
    }
  };
  for (size_t at = 0; at < total; at += static_cast<size_t>(out.frame_size)) {
    Frame frame;
    frame->format = ctx->sample_fmt;
    frame->sample_rate = rate;
    av_channel_layout_copy(&frame->ch_layout, &ctx->ch_layout);
    // Only a codec with a variable frame size may take a short last frame.
    frame->nb_samples = out.frame_size;
    check_av(av_frame_get_buffer(frame.get(), 0), "allocating a frame");
    fill(frame.get(), channels, at, rate);
    frame->pts = static_cast<int64_t>(at);
    check_av(avcodec_send_frame(ctx.get(), frame.get()), "encoding");
    out.input_samples += static_cast<size_t>(out.frame_size);
    drain();
  }
  avcodec_send_frame(ctx.get(), nullptr);
  drain();
  return out;
}

struct Decoded {
  std::vector<int16_t> pcm;
  size_t samples = 0;
};

Decoded decode_all(AudioDecoder& decoder, const Encoded& e) {
  Decoded d;
  for (size_t i = 0; i < e.frames.size(); ++i) {
    AudioBlock block = decoder.decode(e.frames[i], e.timestamps[i]);
    CHECK_FALSE(block.concealed);
    REQUIRE(block.pcm.size() == block.samples * decoder.stream().channels);
    d.pcm.insert(d.pcm.end(), block.pcm.begin(), block.pcm.end());
    d.samples += block.samples;
  }
  return d;
}

// Channel c of the middle half: its zero crossings a second over 2 (the
// tone's frequency) and its RMS as a share of full scale.
struct ToneMeasure {
  double frequency = 0;
  double rms = 0;
};

ToneMeasure measure(const Decoded& d, uint32_t channels, uint32_t channel, int rate) {
  const size_t from = d.samples / 4;
  const size_t to = d.samples * 3 / 4;
  size_t crossings = 0;
  double energy = 0;
  for (size_t i = from; i < to; ++i) {
    const double v = d.pcm[i * channels + channel] / 32768.0;
    energy += v * v;
    if (i > from) {
      const int16_t prev = d.pcm[(i - 1) * channels + channel];
      if ((prev < 0) != (d.pcm[i * channels + channel] < 0)) ++crossings;
    }
  }
  const double seconds = static_cast<double>(to - from) / rate;
  return {crossings / 2.0 / seconds, std::sqrt(energy / static_cast<double>(to - from))};
}

void check_tone(const Decoded& d, uint32_t channels, int rate) {
  for (uint32_t c = 0; c < channels; ++c) {
    const ToneMeasure m = measure(d, channels, c, rate);
    INFO("channel " << c);
    CHECK(m.frequency == Approx(kTone).margin(10));
    CHECK(m.rms == Approx(kAmplitude / std::sqrt(2.0)).epsilon(0.15));
  }
}

bool all_zero(const std::vector<int16_t>& pcm) {
  for (int16_t v : pcm)
    if (v != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("AAC at 44.1 kHz stereo decodes to its samples, pitch and level",
          "[unit][audio][codec]") {
  const Encoded e = encode_sine("aac", 44100, 2);
  REQUIRE(e.extradata.size() >= 2);  // the AudioSpecificConfig
  AudioStreamParameters p;
  p.codec_id = AV_CODEC_ID_AAC;
  p.sample_rate = 44100;
  p.channels = 2;
  p.config = e.extradata;
  AudioDecoder decoder(p);
  const Decoded d = decode_all(decoder, e);
  // Every frame decodes to 1024 samples: the input plus the encoder's
  // priming, rounded up to a frame.
  CHECK(d.samples == e.frames.size() * 1024);
  CHECK(d.samples >= e.input_samples);
  CHECK(d.samples <= e.input_samples + static_cast<size_t>(e.delay + e.frame_size));
  check_tone(d, 2, 44100);
  CHECK(decoder.rejected() == 0);

  SECTION("a frame cut short is rejected and concealed with a frame of silence") {
    const std::vector<uint8_t> cut(e.frames[10].begin(), e.frames[10].begin() + 3);
    AudioBlock block;
    REQUIRE_NOTHROW(block = decoder.decode(cut, 99 * 1024));
    CHECK(decoder.rejected() == 1);
    CHECK(block.concealed);
    CHECK(block.concealed_silently);
    CHECK(block.samples == 1024);
    CHECK(block.timestamp == 99 * 1024);
    CHECK(all_zero(block.pcm));
    // The next good frame decodes as before.
    CHECK_FALSE(decoder.decode(e.frames[11], 100 * 1024).concealed);
  }
  SECTION("AAC has no concealment of its own: conceal() is silence") {
    CHECK_FALSE(decoder.conceals_natively());
    const AudioBlock block = decoder.conceal(960);
    CHECK(block.samples == 960);
    CHECK(block.pcm.size() == 960 * 2);
    CHECK(block.concealed_silently);
  }
}

TEST_CASE("Opus decodes to its samples and conceals a loss with libopus's own concealment",
          "[unit][audio][codec]") {
  const Encoded e = encode_sine("libopus", 48000, 2);
  const AudioStreamParameters p = audio_stream_parameters(opus_payload_format(), 0, 0, "");
  CHECK(p.sample_rate == 48000);
  CHECK(p.channels == 2);
  AudioDecoder decoder(p);
  const Decoded d = decode_all(decoder, e);
  CHECK(d.samples == e.frames.size() * 960);
  CHECK(d.samples >= e.input_samples);
  CHECK(d.samples <= e.input_samples + static_cast<size_t>(e.delay + e.frame_size));
  check_tone(d, 2, 48000);

  SECTION("conceal(960) continues the tone, not silence") {
    // Debian's FFmpeg has the libopus decoder; the native one cannot conceal.
    REQUIRE(decoder.decoder_name() == "libopus");
    REQUIRE(decoder.conceals_natively());
    const int64_t next = e.timestamps.back() + 960;
    const AudioBlock block = decoder.conceal(960);
    CHECK(block.samples == 960);
    CHECK(block.pcm.size() == 960 * 2);
    CHECK(block.concealed);
    CHECK_FALSE(block.concealed_silently);
    CHECK(block.timestamp == next);
    // An odd count is cut from whole concealed frames.
    CHECK(decoder.conceal(333).samples == 333);
  }
  SECTION("an invalid packet is rejected and concealed, never thrown") {
    // RFC 6716 §3.2.5 R5: a code 3 packet of no frames is invalid.
    const std::vector<uint8_t> invalid = {0xFB, 0x00};
    AudioBlock block;
    REQUIRE_NOTHROW(block = decoder.decode(invalid, 0));
    CHECK(decoder.rejected() == 1);
    CHECK(block.concealed);
    CHECK(block.samples == 960);
    REQUIRE_NOTHROW(block = decoder.decode({}, 0));
    REQUIRE_NOTHROW(block = decoder.decode(std::vector<uint8_t>(kMaxAudioFrameBytes + 1, 0x7C), 0));
    CHECK(decoder.rejected() == 3);
    CHECK(block.samples == 960);
  }
}

TEST_CASE("mono Opus comes out on the two channels its rtpmap names", "[unit][audio][codec]") {
  const Encoded e = encode_sine("libopus", 48000, 1);
  AudioDecoder decoder(audio_stream_parameters(opus_payload_format(), 48000, 2, ""));
  const Decoded d = decode_all(decoder, e);
  CHECK(d.samples == e.frames.size() * 960);
  check_tone(d, 2, 48000);
}

TEST_CASE("G.711 mu-law and A-law decode at 8 kHz mono", "[unit][audio][codec]") {
  for (const char* name : {"PCMU", "PCMA"}) {
    INFO(name);
    const AudioStreamParameters p = g711_stream_parameters(name);
    const Encoded e =
        encode_sine(p.codec_id == AV_CODEC_ID_PCM_MULAW ? "pcm_mulaw" : "pcm_alaw", 8000, 1);
    AudioDecoder decoder(p);
    const Decoded d = decode_all(decoder, e);
    CHECK(d.samples == e.input_samples);  // a byte a sample, no priming
    check_tone(d, 1, 8000);
    const AudioBlock block = decoder.conceal(160);
    CHECK(block.samples == 160);
    CHECK(block.concealed_silently);
  }
  CHECK_THROWS_AS(g711_stream_parameters("G722"), std::invalid_argument);
}

TEST_CASE("an AAC stream's parameters come from its rtpmap and its fmtp's config",
          "[unit][audio][codec]") {
  const AudioStreamParameters p = audio_stream_parameters(
      aac_payload_format(), 44100, 2,
      "streamtype=5; profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; "
      "indexdeltalength=3; config=1210");
  CHECK(p.codec_id == AV_CODEC_ID_AAC);
  CHECK(p.sample_rate == 44100);
  CHECK(p.channels == 2);
  CHECK(p.config == std::vector<uint8_t>{0x12, 0x10});
  AudioDecoder decoder(p);
  CHECK(decoder.decoder_name() == "aac");
  CHECK_THROWS_AS(audio_stream_parameters(aac_payload_format(), 44100, 2, "mode=CELP-cbr"),
                  FormatParameterError);
}

TEST_CASE("a decoder refuses what it cannot decode at construction", "[unit][audio][codec]") {
  AudioStreamParameters p;
  p.codec_id = AV_CODEC_ID_MP3;
  p.sample_rate = 44100;
  p.channels = 2;
  CHECK_THROWS_AS(AudioDecoder(p), std::invalid_argument);
  p.codec_id = AV_CODEC_ID_OPUS;
  p.channels = 0;
  CHECK_THROWS_AS(AudioDecoder(p), std::invalid_argument);
  p.channels = kMaxAudioChannels + 1;
  CHECK_THROWS_AS(AudioDecoder(p), std::invalid_argument);
  p.channels = 2;
  p.sample_rate = 1000;
  CHECK_THROWS_AS(AudioDecoder(p), std::invalid_argument);
}
