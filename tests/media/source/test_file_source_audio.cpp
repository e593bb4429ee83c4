// A file's first audio track as media::FileSource reads it beside the
// video, from clips ffmpeg makes: audio no payload format carries (PCM,
// MP3, AC-3, AAC in MPEG-TS) comes out as 20 ms Opus packets, timed on
// from the track's start, decodable back to the track's length, across a
// loop too; G.711 at 8000 Hz mono comes out as it is, in 20 ms frames.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "media/codec/audio_decoder.hpp"
#include "media/payload/payload_format.hpp"
#include "media/source/file_source.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace flowcast::media;

namespace {

// 2 s of H.264 (160x120, 10 fps, no B-frames: the video starts at 0) and a
// 440 Hz tone made with `audio` ("-c:a pcm_s16le -ac 2").
std::string make_clip(const test::TempDir& dir, const std::string& name, const std::string& audio,
                      int rate = 44100) {
  const std::string path = dir.file(name);
  REQUIRE(test::run_shell(
              "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=10 -f lavfi -i "
              "sine=frequency=440:sample_rate=" +
              std::to_string(rate) +
              " -t 2 -c:v libx264 -preset ultrafast -bf 0 -pix_fmt yuv420p " + audio + " '" + path +
              "'") == 0);
  return path;
}

std::vector<EncodedFrame> audio_frames(FileSource& source) {
  std::vector<EncodedFrame> out;
  while (auto f = source.next())
    if (f->stream == 1) out.push_back(std::move(*f));
  return out;
}

// The encoder's lookahead (RFC 7845 §4.2: 312 samples at 48 kHz) in 90 kHz.
constexpr int64_t kPreSkip90k = 312 * 90000 / 48000;

}  // namespace

TEST_CASE("a file's PCM sound is read as 20 ms Opus packets, timed on from the track's start",
          "[unit][source][audio]") {
  test::TempDir dir;
  const std::string clip = make_clip(dir, "pcm.mkv", "-c:a pcm_s16le -ac 2");
  FileSource source(clip, true);
  REQUIRE(source.info().audio);
  const AudioTrackInfo& a = *source.info().audio;
  CHECK(a.transcoded);
  CHECK(a.codec_id == AV_CODEC_ID_OPUS);
  CHECK(a.codec_name == "pcm_s16le");
  CHECK(a.sample_rate == 48000);
  CHECK(a.channels == 2);
  CHECK(source.info().ignored_audio.empty());

  const auto first = audio_frames(source);
  // 2 s at 48 kHz is 96000 samples, 100 packets, and the lookahead's 312
  // more make one packet beyond them.
  REQUIRE(first.size() == 101);
  // The first sample at the track's start (0): the first packet begins the
  // lookahead before it; every packet follows on by exactly 20 ms.
  CHECK(first.front().pts_90k == -kPreSkip90k);
  for (size_t i = 0; i < first.size(); ++i) {
    INFO(i);
    CHECK(first[i].pts_90k == first.front().pts_90k + static_cast<int64_t>(i) * 1800);
    CHECK(first[i].dts_90k == first[i].pts_90k);
    CHECK(first[i].duration_90k == 1800);
    CHECK_FALSE(first[i].annexb.empty());
  }

  // Decoded back (libopus): the tone at its level, not silence. lavfi's sine
  // peaks at 1/8 of full scale, and -ac 2 puts it into each side at -3 dB:
  // an RMS of 1/16.
  AudioDecoder decoder(audio_stream_parameters(opus_payload_format(), 48000, 2, ""));
  size_t samples = 0;
  double energy = 0;
  for (const auto& f : first) {
    const AudioBlock block = decoder.decode(f.annexb, 0);
    samples += block.samples;
    for (int16_t v : block.pcm) energy += static_cast<double>(v) * v;
  }
  CHECK(decoder.rejected() == 0);
  CHECK(samples == 101 * 960);
  const double rms = std::sqrt(energy / static_cast<double>(samples * 2)) / 32768.0;
  CHECK(rms == Approx(0.0625).epsilon(0.1));

  // A loop: the sound starts again where the file's timeline does, and
  // keeps going forward (the new lookahead overlaps the last packet's
  // padding at most).
  source.rewind();
  const auto second = audio_frames(source);
  REQUIRE(second.size() == first.size());
  const int64_t first_end = first.back().pts_90k + first.back().duration_90k;
  CHECK(second.front().pts_90k >= first_end - 2 * kPreSkip90k);
  CHECK(second.front().pts_90k <= first_end);
  CHECK(second.back().pts_90k - second.front().pts_90k == 100 * 1800);
}

TEST_CASE("Opus keeps mono mono, takes stereo from a 5.1 downmix, and transcodes MP3 and ADTS",
          "[unit][source][audio]") {
  test::TempDir dir;
  struct Case {
    std::string name, audio;
    std::string codec;
    int channels;
  };
  const std::vector<Case> cases = {
      {"mono.mkv", "-c:a libmp3lame -ac 1", "mp3", 1},
      {"surround.mkv", "-c:a ac3 -ac 6", "ac3", 2},
      // AAC in MPEG-TS is ADTS: no AudioSpecificConfig for RFC 3640's fmtp.
      {"adts.ts", "-c:a aac -ac 2", "aac", 2},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    FileSource source(make_clip(dir, c.name, c.audio), true);
    REQUIRE(source.info().audio);
    CHECK(source.info().audio->transcoded);
    CHECK(source.info().audio->codec_name == c.codec);
    CHECK(source.info().audio->channels == c.channels);
    const auto frames = audio_frames(source);
    // About 2 s of 20 ms packets (MPEG-TS starts its video late, and the
    // sound before it is cut).
    CHECK(frames.size() >= 90);
    CHECK(frames.size() <= 104);
    for (size_t i = 1; i < frames.size(); ++i)
      CHECK(frames[i].pts_90k - frames[i - 1].pts_90k == 1800);
  }
}

TEST_CASE("G.711 at 8000 Hz mono is read as it is, in 20 ms frames; at another rate as Opus",
          "[unit][source][audio]") {
  test::TempDir dir;
  for (const std::string codec : {"pcm_mulaw", "pcm_alaw"}) {
    INFO(codec);
    FileSource source(make_clip(dir, codec + ".mov", "-c:a " + codec + " -ar 8000 -ac 1", 8000),
                      true);
    REQUIRE(source.info().audio);
    const AudioTrackInfo& a = *source.info().audio;
    CHECK_FALSE(a.transcoded);
    CHECK(a.codec_id == (codec == "pcm_mulaw" ? AV_CODEC_ID_PCM_MULAW : AV_CODEC_ID_PCM_ALAW));
    CHECK(a.sample_rate == 8000);
    CHECK(a.channels == 1);
    const PayloadFormat* format = find_audio_payload_format(a.codec_id);
    REQUIRE(format);
    CHECK(format->static_payload_type == (codec == "pcm_mulaw" ? 0 : 8));
    // 2 s at 8000 Hz: 100 frames of 160 samples, one octet each, 1800
    // ticks apart, from the track's start (0).
    const auto frames = audio_frames(source);
    REQUIRE(frames.size() == 100);
    for (size_t i = 0; i < frames.size(); ++i) {
      INFO(i);
      CHECK(frames[i].annexb.size() == 160);
      CHECK(frames[i].pts_90k == static_cast<int64_t>(i) * 1800);
      CHECK(frames[i].duration_90k == 1800);
    }
  }
  // Not at G.711's RTP clock: decoded and sent as Opus.
  FileSource wide(make_clip(dir, "wide.mkv", "-c:a pcm_mulaw -ar 16000 -ac 1", 16000), true);
  REQUIRE(wide.info().audio);
  CHECK(wide.info().audio->transcoded);
  CHECK(wide.info().audio->channels == 1);
}

TEST_CASE("G.711 with a hole in its timestamps follows them after the hole",
          "[unit][source][audio]") {
  test::TempDir dir;
  // The tone missing from 0.8 s to 1.4 s: aselect keeps the times of the
  // rest, and Matroska keeps the hole, as a camera's silence suppression or
  // lost packets leave one.
  const std::string clip =
      make_clip(dir, "hole.mkv",
                "-af \"aselect='not(between(t,0.8,1.4))'\" -c:a pcm_mulaw -ar 8000 -ac 1", 8000);
  FileSource source(clip, true);
  REQUIRE(source.info().audio);
  REQUIRE_FALSE(source.info().audio->transcoded);
  const auto frames = audio_frames(source);
  REQUIRE(frames.size() > 50);
  // Counted sample by sample, the sound after the hole would follow on at
  // once (1800 ticks); timed by its packets it comes about half a second
  // later (the filter drops whole frames of the tone).
  int64_t widest = 0;
  for (size_t i = 1; i < frames.size(); ++i)
    widest = std::max(widest, frames[i].pts_90k - frames[i - 1].pts_90k);
  CHECK(widest >= 30000);
  CHECK(frames.back().pts_90k + frames.back().duration_90k >= 170000);
}
