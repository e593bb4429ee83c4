// The server's three sources behind one interface (MediaSource), each on
// real media: stored files made by the ffmpeg command line, the test
// pattern encoded by libx264, and a file:// URL relayed as a live stream
// (the same libavformat reader as rtsp:// or srt://). And SdpFile, which
// writes what a source describes.
#include <asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/rtp/rtp_packet.hpp"
#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"
#include "server/source/live_pattern_source.hpp"
#include "server/source/live_url_source.hpp"
#include "server/source/sdp_file.hpp"
#include "server/source/stored_file_source.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace flowcast::server;
using namespace flowcast::test;
using namespace std::chrono_literals;

namespace {

using Frames = std::vector<std::shared_ptr<const PacketizedFrame>>;

// Runs io's handlers until done() or the time limit; returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_for(50ms) == 0 && io.stopped()) io.restart();
  }
  return done();
}

// The first frame of a reader, waiting for a transcoding worker's wake.
std::optional<media::EncodedFrame> first_frame(FileReader& reader) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto next = reader.next();
    if (!next.pending || std::chrono::steady_clock::now() > deadline) return next.frame;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

TEST_CASE("a stored file is described once, and each session reads it from where it asks",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  // 3 s at 25 fps, a keyframe every 2 s (make_clip's GOP is two seconds).
  REQUIRE(make_clip(clip, "320x240", 25, 3, 0));
  StoredFileSource file(clip, false);
  const MediaSource& source = file;
  const SourceDescription& d = source.description();
  CHECK_FALSE(source.live());
  CHECK(d.timeline == Timeline::per_session);
  CHECK(d.what == clip + " (h264, sent as is)");
  CHECK(d.duration_90k == Approx(3 * 90000).margin(3600));
  REQUIRE(d.streams.size() == 1);
  CHECK(d.video().format == &media::h264_payload_format());
  CHECK(d.video().clock_rate() == 90000);
  // What a DESCRIBE answers before anyone plays: addressed to no one, the
  // SPS and PPS of the first keyframe, and the file's length.
  REQUIRE(d.video().sdp);
  const media::SdpDescription& sdp = *d.video().sdp;
  CHECK(sdp.connection_address == "0.0.0.0");
  CHECK(sdp.port == 0);
  CHECK(sdp.encoding_name == "H264");
  CHECK(sdp.parameter_sets.size() == 2);
  REQUIRE(sdp.range_end_s);
  CHECK(*sdp.range_end_s == Approx(static_cast<double>(d.duration_90k) / 90000));
  CHECK(media::parse_sdp(media::write_sdp(sdp)).parameter_sets == sdp.parameter_sets);
  // Nothing to start, no keyframe to force, no encoder of its own.
  CHECK_FALSE(source.forces_keyframes());
  CHECK_FALSE(source.encoder());

  // Each session has a reader of its own: reading one moves no other.
  auto a = source.open_reader(0, [] {});
  auto b = source.open_reader(0, [] {});
  CHECK(a->start_90k() == 0);
  std::vector<int64_t> a_dts;
  for (int i = 0; i < 10; ++i) {
    auto next = a->next();
    REQUIRE(next.frame);
    a_dts.push_back(next.frame->dts_90k);
  }
  auto b_first = b->next();
  REQUIRE(b_first.frame);
  CHECK(b_first.frame->keyframe);
  CHECK(b_first.frame->dts_90k == a_dts.front());
  // A position lands on the keyframe at or before it: 2.5 s is 2 s's.
  auto c = source.open_reader(225000, [] {});
  CHECK(c->start_90k() == 180000);
  auto c_first = c->next();
  REQUIRE(c_first.frame);
  CHECK(c_first.frame->keyframe);
}

TEST_CASE("a stored H.265 file is described as H.265, with its VPS, SPS and PPS",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("hevc.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -t 1 "
                    "-c:v libx265 -x265-params log-level=error:keyint=25 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  StoredFileSource source(clip, false);
  const SourceDescription& d = source.description();
  CHECK(d.what == clip + " (hevc, sent as is)");
  CHECK(d.video().format == &media::h265_payload_format());
  REQUIRE(d.video().sdp);
  CHECK(d.video().sdp->encoding_name == "H265");
  CHECK(d.video().sdp->parameter_sets.size() == 3);
  auto reader = source.open_reader(0, [] {});
  CHECK(&reader->format() == d.video().format);
}

TEST_CASE("a stored file no payload format carries is described as the H.264 it is sent as",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.webm");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=25 -t 1 "
                    "-c:v libvpx-vp9 -deadline realtime '" +
                    clip + "'") == 0);
  StoredFileSource source(clip, false);
  const SourceDescription& d = source.description();
  CHECK(d.what == clip + " (vp9, transcoded to H.264)");
  CHECK(source.info().transcoded);
  CHECK(d.video().format == &media::h264_payload_format());
  REQUIRE(d.video().sdp);
  CHECK(d.video().sdp->parameter_sets.size() == 2);
  // A session's reader transcodes on its worker, and hands out H.264 too.
  auto reader = source.open_reader(0, [] {});
  CHECK(reader->threaded());
  auto first = first_frame(*reader);
  REQUIRE(first);
  CHECK(first->keyframe);
}

TEST_CASE("a stored file's MP3 sound is described as Opus, its G.711 on the static type",
          "[unit][server][audio]") {
  TempDir dir;
  const auto clip = [&](const std::string& name, const std::string& audio) {
    const std::string path = dir.file(name);
    REQUIRE(run_shell("ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi "
                      "-i sine=sample_rate=8000 -t 1 -c:v libx264 -preset ultrafast " +
                      audio + " '" + path + "'") == 0);
    return path;
  };
  StoredFileSource mp3(clip("mp3.mkv", "-c:a libmp3lame -ac 2"), true);
  const SourceDescription& d = mp3.description();
  CHECK(d.what == dir.file("mp3.mkv") + " (h264, sent as is) with mp3 sound sent as Opus");
  REQUIRE(d.streams.size() == 2);
  CHECK(d.streams[1].format == &media::opus_payload_format());
  CHECK(d.streams[1].payload_type() == 97);
  REQUIRE(d.streams[1].sdp);
  CHECK(media::write_sdp(*d.streams[1].sdp).find("a=rtpmap:97 opus/48000/2\r\n") !=
        std::string::npos);
  // Sound is transcoded on the session's worker, the video passes as is.
  auto reader = mp3.open_reader(0, [] {});
  CHECK(reader->threaded());
  CHECK(&reader->format(1) == &media::opus_payload_format());
  CHECK(first_frame(*reader));

  StoredFileSource pcmu(clip("pcmu.mov", "-c:a pcm_mulaw -ar 8000 -ac 1"), true);
  const auto& audio = pcmu.description().streams.at(1);
  CHECK(audio.format == &media::pcmu_payload_format());
  CHECK(audio.payload_type() == 0);
  CHECK(audio.clock_rate() == 8000);
  REQUIRE(audio.sdp);
  CHECK(audio.sdp->payload_type == 0);
  CHECK(media::write_sdp(*audio.sdp).find("m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n") !=
        std::string::npos);
  CHECK_FALSE(pcmu.open_reader(0, [] {})->threaded());
  CHECK(pcmu.description().video().payload_type() == 96);
}

TEST_CASE("a stored file that cannot be opened is a SourceError when the source opens",
          "[unit][server]") {
  TempDir dir;
  CHECK_THROWS_AS(StoredFileSource(dir.file("nope.mp4"), false), media::SourceError);
}

TEST_CASE("the test pattern describes itself from its first keyframe, and makes one when asked",
          "[unit][server]") {
  asio::io_context io;
  media::EncoderConfig config;
  config.width = 160;
  config.height = 120;
  config.fps = 30;
  config.bitrate = 300'000;
  config.gop = 1000;  // no keyframe but the first, unless asked
  config.slice_max_bytes = 1160;
  LivePatternSource pattern(io, config, 1200, media::h264_payload_format());
  MediaSource& source = pattern;
  const SourceDescription& d = source.description();
  CHECK(source.live());
  CHECK(d.what == "the test pattern 160x120@30 (H264)");
  CHECK(d.duration_90k == 0);
  CHECK(d.video().format == &media::h264_payload_format());
  CHECK_FALSE(d.video().sdp);  // not before its first keyframe
  CHECK(source.forces_keyframes());
  CHECK_THROWS_AS(source.open_reader(0, [] {}), std::logic_error);

  Frames frames;
  bool described_at_first = false;
  source.start(
      [&](std::shared_ptr<const PacketizedFrame> frame) {
        if (frames.empty()) described_at_first = source.description().video().sdp.has_value();
        frames.push_back(std::move(frame));
      },
      [](const std::string& why) { FAIL("the pattern ended: " << why); });
  REQUIRE(run_until(
      io, [&] { return frames.size() >= 10; }, 20s));
  CHECK(frames.front()->keyframe);
  CHECK(described_at_first);
  REQUIRE(d.video().sdp);
  CHECK(d.video().sdp->parameter_sets.size() == 2);
  CHECK_FALSE(d.video().sdp->range_end_s);
  // Payloads cut for 1200-byte RTP packets, the header included.
  common::RtpHeader header;
  header.send_time_us = 0;
  for (const auto& f : frames)
    for (const auto& p : f->payloads) CHECK(p.size() + common::rtp_header_size(header) <= 1200);

  const size_t asked_at = frames.size();
  source.request_keyframe();
  auto keyframe_since = [&] {
    for (size_t i = asked_at; i < frames.size(); ++i)
      if (frames[i]->keyframe) return true;
    return false;
  };
  CHECK(run_until(
      io, [&] { return keyframe_since() || frames.size() > asked_at + 30; }, 20s));
  CHECK(keyframe_since());
  source.stop();
  source.stop();  // twice is safe

  const auto reading = source.encoder();
  REQUIRE(reading);
  CHECK(reading->run.codec == "h264");
  CHECK(reading->run.target_fps == 30);
  CHECK(reading->run.pictures_encoded >= frames.size());
}

TEST_CASE("the test pattern with sound describes an Opus stream and times it with the pictures",
          "[unit][server][audio]") {
  asio::io_context io;
  media::EncoderConfig config;
  config.width = 160;
  config.height = 120;
  config.fps = 30;
  config.bitrate = 300'000;
  LivePatternSource pattern(io, config, 1200, media::h264_payload_format(), true);
  MediaSource& source = pattern;
  const SourceDescription& d = source.description();
  CHECK(d.what == "the test pattern 160x120@30 (H264) with Opus sound");
  REQUIRE(d.streams.size() == 2);
  const MediaStreamDescription& sound = d.streams[1];
  CHECK(sound.format == &media::opus_payload_format());
  CHECK(sound.clock_rate() == 48000);
  // Described up front: Opus needs no parameter sets (RFC 7587 §7).
  REQUIRE(sound.sdp);
  CHECK(sound.sdp->media == "audio");
  CHECK(sound.sdp->payload_type == 97);
  CHECK(sound.sdp->encoding_name == "opus");
  CHECK(sound.sdp->clock_rate == 48000);
  CHECK(sound.sdp->channels == 2);

  Frames frames;
  source.start([&](std::shared_ptr<const PacketizedFrame> frame) { frames.push_back(frame); },
               [](const std::string& why) { FAIL("the pattern ended: " << why); });
  REQUIRE(run_until(
      io, [&] { return frames.size() >= 120; }, 20s));
  source.stop();
  int64_t last_sound = -1'000'000, last_picture = -1'000'000;
  size_t sounds = 0;
  for (const auto& f : frames) {
    INFO("stream " << f->stream << " at " << f->pts_90k);
    if (f->stream == 1) {
      ++sounds;
      CHECK(f->payloads.size() == 1);  // one Opus packet, one RTP payload
      CHECK_FALSE(f->keyframe);
      if (sounds > 1) CHECK(f->pts_90k - last_sound == 1800);  // 20 ms
      last_sound = f->pts_90k;
    } else {
      last_picture = f->pts_90k;
    }
    // Each made when due: the two streams stay within a frame of each other.
    if (sounds > 0 && last_picture >= 0) CHECK(std::abs(last_sound - last_picture) <= 3000 + 1800);
  }
  // 50 sound frames a second beside 30 pictures.
  CHECK(sounds > frames.size() / 2);
}

TEST_CASE("a relayed URL is live, described from its first keyframe, and says when it ends",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 30, 1, 0));
  asio::io_context io;
  const std::string url = "file://" + clip;
  LiveUrlSource relay(io, url, 1200);
  MediaSource& source = relay;
  const SourceDescription& d = source.description();
  CHECK(source.live());
  CHECK(d.what == url + " (h264, relayed live)");
  CHECK(d.video().format == &media::h264_payload_format());
  CHECK_FALSE(d.video().sdp);
  // Keyframes come when the source sends them.
  CHECK_FALSE(source.forces_keyframes());
  CHECK_FALSE(source.encoder());

  Frames frames;
  bool described_at_first = false;
  std::vector<std::string> ends;
  source.start(
      [&](std::shared_ptr<const PacketizedFrame> frame) {
        if (frames.empty()) described_at_first = source.description().video().sdp.has_value();
        frames.push_back(std::move(frame));
      },
      [&](const std::string& why) { ends.push_back(why); });
  // The end is posted after the last frame.
  REQUIRE(run_until(
      io, [&] { return !ends.empty(); }, 20s));
  CHECK(frames.size() == 30);
  CHECK(frames.front()->keyframe);
  CHECK(described_at_first);
  CHECK(ends == std::vector<std::string>{"the source ended"});
  source.stop();
}

TEST_CASE("a relayed URL with sound describes its AAC up front and relays it as stream 1",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.ts");
  // MPEG-TS: ADTS AAC, whose AudioSpecificConfig comes from its first frame.
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f "
                    "lavfi -i sine=frequency=440:sample_rate=44100 -t 1 -c:v libx264 -bf 0 "
                    "-pix_fmt yuv420p -c:a aac -ac 1 '" +
                    clip + "'") == 0);
  asio::io_context io;
  const std::string url = "file://" + clip;
  LiveUrlSource relay(io, url, 1200, true);
  MediaSource& source = relay;
  const SourceDescription& d = source.description();
  CHECK(d.what == url + " (h264, relayed live) with aac sound");
  REQUIRE(d.streams.size() == 2);
  const MediaStreamDescription& audio = d.streams[1];
  CHECK(audio.format == &media::aac_payload_format());
  CHECK(audio.clock_rate() == 44100);
  REQUIRE(audio.sdp);
  CHECK(audio.sdp->media == "audio");
  CHECK(audio.sdp->channels == 1);
  // 44.1 kHz mono AAC-LC: object type 2, frequency index 4, 1 channel.
  CHECK(audio.sdp->config == std::vector<uint8_t>{0x12, 0x08});
  Frames frames;
  bool ended = false;
  source.start([&](std::shared_ptr<const PacketizedFrame> frame) { frames.push_back(frame); },
               [&](const std::string&) { ended = true; });
  REQUIRE(run_until(
      io, [&] { return ended; }, 20s));
  size_t pictures = 0, sounds = 0;
  for (const auto& f : frames) (f->stream == 0 ? pictures : sounds) += 1;
  CHECK(pictures == 30);
  // 1 s of 1024-sample frames at 44.1 kHz: 43, less what came before the
  // first picture.
  CHECK(sounds >= 38);
  CHECK(sounds <= 44);
  CHECK(d.video().sdp);
  source.stop();
}

TEST_CASE("SdpFile writes a source's description once, addressed to the receiver",
          "[unit][server]") {
  TempDir dir;
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(make_clip(clip, "320x240", 25, 1, 0));
  StoredFileSource source(clip, false);
  const media::SdpDescription& stream = *source.description().video().sdp;
  REQUIRE(stream.range_end_s);

  SdpFile sdp(dir.file("stream.sdp"), "127.0.0.1", "127.0.0.2", 6000);
  CHECK_FALSE(sdp.written());
  sdp.write(stream);
  CHECK(sdp.written());
  const std::string text = read_file(sdp.path());
  const media::SdpDescription parsed = media::parse_sdp(text);
  CHECK(parsed.connection_address == "127.0.0.2");
  CHECK(parsed.port == 6000);
  CHECK(parsed.parameter_sets == stream.parameter_sets);
  CHECK(text.find("IN IP4 127.0.0.1\r\n") != std::string::npos);  // o=
  // Its reader takes the RTP as it comes: nothing to seek.
  CHECK(text.find("a=range") == std::string::npos);
  // Once: a later description changes nothing.
  media::SdpDescription other = stream;
  other.parameter_sets.pop_back();
  sdp.write(other);
  CHECK(read_file(sdp.path()) == text);

  SdpFile nowhere(dir.file("no/such/folder/stream.sdp"), "127.0.0.1", "127.0.0.2", 6000);
  CHECK_THROWS_AS(nowhere.write(stream), std::runtime_error);
  CHECK_FALSE(nowhere.written());
}
