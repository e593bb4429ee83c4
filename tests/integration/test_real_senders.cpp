// flowcast-client against streams shaped as real senders shape them
// (cameras, encoders, WebRTC stacks), each a kind other receivers have been
// seen to mishandle: where access units end, padding and other payload
// types in the sequence space, FU-A with both S and E, sequence and
// timestamp discontinuities, restarted senders and access units larger than
// the receive buffer. Each stream is built from real libx264 access units
// and checked bit-exact against ffmpeg's decode of the clip, with the
// counters that name the kind; ffmpeg, given the same datagrams, gets no
// more right pictures than flowcast does.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "integration/listen_sender.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace flowcast::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kFrames = 60;

// 2 s at 30 fps, a keyframe every gop pictures (every second by default),
// B-frames, four slices a picture: access units of many NAL units, as
// cameras send them.
std::string make_sliced_clip(const TempDir& dir, int gop) {
  const std::string clip = dir.file("clip.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 2 "
                    "-c:v libx264 -preset veryfast -bf 2 -g " +
                    std::to_string(gop) + " -b:v 1M -x264-params slices=4 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  return clip;
}

// The RFC 6184 payloads of one NAL unit (without start code).
std::vector<Bytes> payloads_of(std::span<const uint8_t> nal) {
  Bytes annexb = {0, 0, 0, 1};
  annexb.insert(annexb.end(), nal.begin(), nal.end());
  return media::packetize_h264(annexb, 1200);
}

uint8_t nal_type(std::span<const uint8_t> nal) {
  return nal[0] & 0x1F;
}

// Calls send(i) for each frame, 33 ms apart, as a real-time sender.
void paced(size_t count, const std::function<void(size_t)>& send) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < count; ++i) {
    std::this_thread::sleep_until(start + i * 33ms);
    send(i);
  }
}

struct Run {
  TempDir dir;
  std::string clip;
  std::vector<media::EncodedFrame> frames;
  std::vector<std::string> reference;
  explicit Run(int gop = 30)
      : clip(make_sliced_clip(dir, gop)),
        frames(frames_of(clip)),
        reference(reference_hashes(dir, clip)) {
    REQUIRE(frames.size() == kFrames);
    REQUIRE(reference.size() == kFrames);
  }
};

// The client ended cleanly with every picture right, and ffmpeg got no more
// right pictures from the same datagrams.
json check_played(ListenSender& sender, const Run& run, std::optional<int> code) {
  INFO(sender.log());
  REQUIRE(code == 0);
  const json m = sender.metrics();
  INFO(m.dump(1));
  CHECK(sender.hashes() == run.reference);
  CHECK(m["frames"]["decoded"] == kFrames);
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["tainted"] == 0);
  CHECK(m["frames"]["incomplete_access_units"] == 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(m["packets"]["late"] == 0);
  const size_t ours = right_pictures(sender.hashes(), run.reference);
  const size_t theirs = right_pictures(sender.ffmpeg_hashes(), run.reference);
  INFO("right pictures: flowcast " << ours << ", ffmpeg " << theirs);
  CHECK(theirs <= ours);
  return m;
}

}  // namespace

TEST_CASE("a sender that sets the marker on every NAL unit: one access unit per timestamp",
          "[integration][senders]") {
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  paced(kFrames, [&](size_t i) {
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k);
    for (auto nal : media::split_annexb(run.frames[i].annexb)) {
      const auto payloads = payloads_of(nal);
      for (size_t k = 0; k < payloads.size(); ++k)
        sender.send(payloads[k], ts, k + 1 == payloads.size());
    }
  });
  check_played(sender, run, sender.finish());
}

TEST_CASE("a sender that never sets the marker: the timestamp ends each access unit",
          "[integration][senders]") {
  const std::string on_loss = GENERATE("conceal", "freeze");
  INFO("--on-loss " << on_loss);
  Run run;
  ListenSender sender(run.dir, run.frames[0], {"--on-loss", on_loss}, {}, true);
  paced(kFrames, [&](size_t i) {
    for (const auto& p : media::packetize_h264(run.frames[i].annexb, 1200))
      sender.send(p, static_cast<uint32_t>(run.frames[i].pts_90k), false);
  });
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["frames"]["rendered"] == kFrames);
  CHECK(m["frames"]["skipped"] == 0);
}

TEST_CASE("padding-only packets after the marker are neither payload nor loss",
          "[integration][senders]") {
  const std::string on_loss = GENERATE("conceal", "freeze");
  INFO("--on-loss " << on_loss);
  Run run;
  ListenSender sender(run.dir, run.frames[0], {"--on-loss", on_loss}, {}, true);
  size_t padding = 0;
  paced(kFrames, [&](size_t i) {
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k);
    const auto payloads = media::packetize_h264(run.frames[i].annexb, 1200);
    for (size_t k = 0; k < payloads.size(); ++k)
      sender.send(payloads[k], ts, k + 1 == payloads.size());
    // Bandwidth probes with the picture's timestamp, as WebRTC senders do.
    for (int probe = 0; probe < 3; ++probe, ++padding) sender.send_padding(ts);
  });
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["frames"]["rendered"] == kFrames);
  CHECK(m["packets"]["padding"] == padding);
}

TEST_CASE("parameter sets sent after the previous picture's marker, with its timestamp",
          "[integration][senders]") {
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  uint32_t previous_ts = 0;
  paced(kFrames, [&](size_t i) {
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k);
    std::vector<std::span<const uint8_t>> sets, rest;
    for (auto nal : media::split_annexb(run.frames[i].annexb)) {
      const bool set = nal_type(nal) == media::kNalTypeSps || nal_type(nal) == media::kNalTypePps;
      (set && i > 0 ? sets : rest).push_back(nal);
    }
    // The keyframe's SPS and PPS go out at once, stamped with the picture
    // before it, after that picture's marker.
    for (auto nal : sets)
      for (const auto& p : payloads_of(nal)) sender.send(p, previous_ts, false);
    for (size_t n = 0; n < rest.size(); ++n) {
      const auto payloads = payloads_of(rest[n]);
      for (size_t k = 0; k < payloads.size(); ++k)
        sender.send(payloads[k], ts, n + 1 == rest.size() && k + 1 == payloads.size());
    }
    previous_ts = ts;
  });
  check_played(sender, run, sender.finish());
}

TEST_CASE("an FU-A with both start and end set is taken whole and counted",
          "[integration][senders]") {
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  size_t nonconformant = 0;
  paced(kFrames, [&](size_t i) {
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k);
    const auto nals = media::split_annexb(run.frames[i].annexb);
    for (size_t n = 0; n < nals.size(); ++n) {
      const bool last_nal = n + 1 == nals.size();
      if (nals[n].size() < 1100) {
        // A NAL unit that fits one packet, sent as one FU-A with S and E.
        Bytes fu = {static_cast<uint8_t>((nals[n][0] & 0xE0) | media::kNalTypeFuA),
                    static_cast<uint8_t>(0xC0 | nal_type(nals[n]))};
        fu.insert(fu.end(), nals[n].begin() + 1, nals[n].end());
        sender.send(fu, ts, last_nal);
        ++nonconformant;
        continue;
      }
      const auto payloads = payloads_of(nals[n]);
      for (size_t k = 0; k < payloads.size(); ++k)
        sender.send(payloads[k], ts, last_nal && k + 1 == payloads.size());
    }
  });
  REQUIRE(nonconformant > kFrames);
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["packets"]["nonconformant"] == nonconformant);
}

TEST_CASE("a sequence number jump at a keyframe restarts the sequence space",
          "[integration][senders]") {
  // An encoder restart or a stream switch: back from about 30000 to 5000,
  // or forward by 29000.
  const int jump = GENERATE(-1, 1);
  INFO("jump " << (jump < 0 ? "back" : "forward"));
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  sender.header().sequence = 29500;
  paced(kFrames, [&](size_t i) {
    if (i == 30) {
      REQUIRE(run.frames[i].keyframe);
      sender.header().sequence =
          jump < 0 ? 5000 : static_cast<uint16_t>(sender.header().sequence + 29000);
    }
    const auto payloads = media::packetize_h264(run.frames[i].annexb, 1200);
    for (size_t k = 0; k < payloads.size(); ++k)
      sender.send(payloads[k], static_cast<uint32_t>(run.frames[i].pts_90k),
                  k + 1 == payloads.size());
  });
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["packets"]["sequence_resyncs"] == 1);
}

TEST_CASE("a timestamp jump at a keyframe re-anchors the playout clock", "[integration][senders]") {
  // Forward by an hour, or back by a second (a splice, an encoder restart).
  const int64_t jump_90k = GENERATE(int64_t{3600} * 90000, int64_t{-90000});
  INFO("jump " << jump_90k << " ticks");
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  paced(kFrames, [&](size_t i) {
    const int64_t shift = i >= 30 ? jump_90k : 0;
    const auto ts = static_cast<uint32_t>(90000 * 10 + run.frames[i].pts_90k + shift);
    const auto payloads = media::packetize_h264(run.frames[i].annexb, 1200);
    for (size_t k = 0; k < payloads.size(); ++k)
      sender.send(payloads[k], ts, k + 1 == payloads.size());
  });
  const auto bye_at = std::chrono::steady_clock::now();
  const auto code = sender.finish();
  const auto exit_after = std::chrono::steady_clock::now() - bye_at;
  const json m = check_played(sender, run, code);
  CHECK(m["frames"]["rendered"] == kFrames);
  CHECK(m["packets"]["timestamp_jumps"] == 1);
  // What is held plays out (--buffer 500ms), then it ends.
  CHECK(exit_after < 1000ms);
}

TEST_CASE("a sender that restarts with a new SSRC is followed", "[integration][senders]") {
  // After its BYE, or after it fell silent while the new one is steady.
  const bool with_bye = GENERATE(true, false);
  INFO((with_bye ? "after BYE" : "after silence"));
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  const std::vector<media::EncodedFrame> first(run.frames.begin(), run.frames.begin() + 30);
  const std::vector<media::EncodedFrame> second(run.frames.begin() + 30, run.frames.end());
  sender.send_frames(first, 0);
  if (with_bye)
    sender.bye(sender.header().ssrc);
  else
    std::this_thread::sleep_for(1200ms);
  // A new SSRC, sequence numbers and timestamp offset, as a restarted encoder
  // chooses them.
  sender.header().ssrc = 0x5eed0002;
  sender.header().sequence = 40000;
  sender.send_frames(second, 0x70000000);
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["packets"]["ssrc_changes"] == 1);
  CHECK(m["packets"]["foreign_ssrc"] == 0);
}

TEST_CASE("a sender that changes SSRC at each keyframe, without a pause or a BYE, is followed",
          "[integration][senders]") {
  // As some cameras and SFUs do: a new SSRC, sequence space and timestamp
  // offset at each keyframe (every half second here), right after the last
  // packet of the old one, and in the end a BYE from the last.
  Run run(15);
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  std::mt19937 random(25);
  uint32_t ts_offset = 0;
  size_t changes = 0;
  paced(kFrames, [&](size_t i) {
    if (i > 0 && run.frames[i].keyframe) {
      sender.header().ssrc = static_cast<uint32_t>(random());
      sender.header().sequence = static_cast<uint16_t>(random());
      ts_offset = static_cast<uint32_t>(random());
      ++changes;
    }
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k + ts_offset);
    const auto payloads = media::packetize_h264(run.frames[i].annexb, 1200);
    for (size_t k = 0; k < payloads.size(); ++k)
      sender.send(payloads[k], ts, k + 1 == payloads.size());
  });
  REQUIRE(changes == 3);
  const auto bye_at = std::chrono::steady_clock::now();
  const auto code = sender.finish();
  const auto exit_after = std::chrono::steady_clock::now() - bye_at;
  // Every picture, bit-exact, none lost or late, and nothing stalled; each
  // went to the screen (shown, or on a busy machine decoded too late to).
  const json m = check_played(sender, run, code);
  CHECK(m["frames"]["rendered"].get<size_t>() + m["frames"]["dropped_late"].get<size_t>() ==
        kFrames);
  CHECK(m["stalls"]["count"] == 0);
  CHECK(m["packets"]["ssrc_changes"] == changes);
  CHECK(m["packets"]["foreign_ssrc"] == 0);
  // The last SSRC's BYE ended it: what is held plays out (--buffer 500ms),
  // not 5 s of silence.
  CHECK(m["session"]["ended_by"] == "bye");
  CHECK(exit_after < 1500ms);
}

TEST_CASE("packets of another payload type in the stream's sequence space are not loss",
          "[integration][senders]") {
  Run run;
  ListenSender sender(run.dir, run.frames[0], {}, {}, true);
  size_t foreign = 0, packets = 0;
  paced(kFrames, [&](size_t i) {
    const auto ts = static_cast<uint32_t>(run.frames[i].pts_90k);
    const auto payloads = media::packetize_h264(run.frames[i].annexb, 1200);
    for (size_t k = 0; k < payloads.size(); ++k) {
      sender.send(payloads[k], ts, k + 1 == payloads.size());
      if (++packets % 7 == 0) {
        // FEC or RTX on the same SSRC, taking the next sequence number.
        sender.header().payload_type = 127;
        sender.send(Bytes{0x80, 0x01, 0x02, 0x03}, ts, false);
        sender.header().payload_type = common::kPayloadTypeDynamic;
        ++foreign;
      }
    }
  });
  const json m = check_played(sender, run, sender.finish());
  CHECK(m["packets"]["foreign_payload_type"] == foreign);
}

TEST_CASE("an access unit larger than the receive buffer plays whole over TCP",
          "[integration][senders]") {
  // Lossless 1080p noise: keyframes of several MB, past the 2 MiB that the
  // default --buffer-max holds.
  TempDir dir;
  const std::string clip = dir.file("big.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 "
                    "-vf noise=alls=80:allf=t -frames:v 4 -c:v libx264 -preset ultrafast -qp 0 "
                    "-g 30 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  const auto frames = frames_of(clip);
  REQUIRE(frames.size() == 4);
  REQUIRE(frames[0].annexb.size() > 3'000'000);
  const auto reference = reference_hashes(dir, clip);
  const std::string port = std::to_string(free_port());
  Process server({kServer, clip, "--port", port, "--transport", "tcp", "--duration", "60s"},
                 dir.file("server.log"));
  REQUIRE(wait_for_log(server, "streaming", 10s));
  Process client({kClient, "127.0.0.1:" + port, "--transport", "tcp", "--headless", "--framemd5",
                  dir.file("got.framemd5"), "--metrics", dir.file("m.json")},
                 dir.file("client.log"));
  const auto code = client.wait_for(60s);
  INFO(client.log());
  INFO(server.log());
  REQUIRE(code == 0);
  const json m = read_client_metrics(dir.file("m.json"));
  INFO(m.dump(1));
  CHECK(framemd5_hashes(dir.file("got.framemd5")) == reference);
  CHECK(m["packets"]["dropped_overflow"] == 0);
  CHECK(m["buffer"]["peak_bytes"].get<int64_t>() > m["buffer"]["capacity_bytes"].get<int64_t>());
}

TEST_CASE("a stream that starts without an IDR shows nothing before its recovery point",
          "[integration][senders]") {
  // Periodic intra refresh (x264 intra-refresh): one IDR at the very start,
  // then recovery point SEIs. Joined after the IDR, on a clean link.
  TempDir dir;
  const std::string clip = dir.file("refresh.mp4");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 3 "
                    "-c:v libx264 -preset veryfast -bf 0 -b:v 1M "
                    "-x264-params intra-refresh=1:keyint=30 -pix_fmt yuv420p '" +
                    clip + "'") == 0);
  auto frames = frames_of(clip);
  REQUIRE(frames.size() == 90);
  const auto reference = reference_hashes(dir, clip);
  ListenSender sender(dir, frames[0], {}, {}, true);
  frames.erase(frames.begin(), frames.begin() + 5);
  for (const auto& f : frames)
    for (auto nal : media::split_annexb(f.annexb)) REQUIRE(nal_type(nal) != media::kNalTypeIdr);
  sender.send_frames(frames, 0);
  const auto code = sender.finish();
  INFO(sender.log());
  REQUIRE(code == 0);
  const json m = sender.metrics();
  INFO(m.dump(1));
  const auto got = sender.hashes();
  // Every picture shown is right, and they begin within two refresh periods
  // (the first recovery point SEI, then its recovery_frame_cnt).
  CHECK(got.size() >= frames.size() - 60);
  CHECK(m["frames"]["unrecovered"].get<size_t>() + got.size() == frames.size());
  CHECK(right_pictures(got, reference) == got.size());
  CHECK(m["frames"]["corrupt"] == 0);
  CHECK(m["frames"]["tainted"] == 0);
  CHECK(m["packets"]["lost"] == 0);
  CHECK(right_pictures(sender.ffmpeg_hashes(), reference) <= got.size());
}
