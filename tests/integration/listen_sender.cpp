#include "integration/listen_sender.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

#include "common/rtp/rtcp.hpp"
#include "media/payload/h264_packetizer.hpp"
#include "media/sdp/sdp.hpp"
#include "media/source/file_source.hpp"
#include "support/binaries.hpp"
#include "support/frame_conservation.hpp"

namespace flowcast::test {

using namespace std::chrono_literals;

std::vector<media::EncodedFrame> frames_of(const std::string& clip) {
  std::vector<media::EncodedFrame> frames;
  media::FileSource file(clip);
  while (auto f = file.next()) frames.push_back(std::move(*f));
  return frames;
}

std::vector<std::string> reference_hashes(const TempDir& dir, const std::string& clip) {
  const std::string ref = dir.file("reference.framemd5");
  REQUIRE(make_reference_framemd5(clip, ref));
  return framemd5_hashes(ref);
}

size_t right_pictures(const std::vector<std::string>& got, std::vector<std::string> reference) {
  std::multiset<std::string> left(reference.begin(), reference.end());
  size_t right = 0;
  for (const auto& h : got) {
    if (auto it = left.find(h); it != left.end()) {
      left.erase(it);
      ++right;
    }
  }
  return right;
}

namespace {

void write_sdp_file(const std::string& path, const media::EncodedFrame& first, uint16_t port) {
  const auto sets = media::find_parameter_sets(media::split_annexb(first.annexb));
  REQUIRE(sets);
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f);
  const std::string text = media::write_sdp(media::describe_h264_stream(*sets, "127.0.0.1", port));
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

ListenSender::ListenSender(const TempDir& dir, const media::EncodedFrame& first,
                           std::vector<std::string> extra, std::vector<std::string> wrapper,
                           bool with_ffmpeg)
    : dir_(dir), port_(free_rtp_port()) {
  REQUIRE(port_ != 0);
  const std::string sdp = dir.file("stream.sdp");
  write_sdp_file(sdp, first, port_);
  std::vector<std::string> argv = wrapper;
  for (std::string a :
       {kClient, std::string("--listen"), std::to_string(port_), std::string("--sdp"), sdp,
        std::string("--headless"), std::string("--framemd5"), dir.file("got.framemd5"),
        std::string("--metrics"), dir.file("m.json")})
    argv.push_back(a);
  argv.insert(argv.end(), extra.begin(), extra.end());
  client_.emplace(argv, dir.file("client.log"));
  REQUIRE(listening_for_rtp(port_));
  if (with_ffmpeg) {
    ffmpeg_port_ = free_rtp_port();
    REQUIRE(ffmpeg_port_ != 0);
    const std::string peer_sdp = dir.file("ffmpeg.sdp");
    write_sdp_file(peer_sdp, first, ffmpeg_port_);
    // -fps_mode passthrough: one line per decoded picture, as the reference.
    ffmpeg_.emplace(
        std::vector<std::string>{"ffmpeg", "-nostdin", "-v", "error", "-protocol_whitelist",
                                 "file,udp,rtp", "-i", peer_sdp, "-an", "-fps_mode", "passthrough",
                                 "-f", "framemd5", "-y", dir.file("ffmpeg.framemd5")},
        dir.file("ffmpeg.log"));
    REQUIRE(listening_for_rtp(ffmpeg_port_));
  }
  header_.ssrc = kSsrc;
  header_.sequence = 1000;
}

void ListenSender::send_datagram(const std::vector<uint8_t>& datagram, bool rtcp) {
  const uint16_t add = rtcp ? 1 : 0;
  REQUIRE(socket_.send(datagram, static_cast<uint16_t>(port_ + add)));
  if (ffmpeg_) REQUIRE(socket_.send(datagram, static_cast<uint16_t>(ffmpeg_port_ + add)));
}

void ListenSender::send(std::span<const uint8_t> payload, uint32_t timestamp, bool marker) {
  header_.timestamp = timestamp;
  header_.marker = marker;
  std::vector<uint8_t> packet;
  common::write_rtp(header_, payload, packet);
  ++header_.sequence;
  send_datagram(packet);
}

void ListenSender::send_padding(uint32_t timestamp) {
  header_.timestamp = timestamp;
  header_.marker = false;
  std::vector<uint8_t> packet;
  common::write_rtp(header_, {}, packet);
  packet[0] |= 0x20;  // P: the last byte counts the padding, itself included
  packet.insert(packet.end(), {0, 0, 0, 4});
  ++header_.sequence;
  send_datagram(packet);
}

void ListenSender::send_frames(const std::vector<media::EncodedFrame>& frames, uint32_t ts_offset,
                               const std::function<void(uint32_t ts)>& after) {
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < frames.size(); ++i) {
    std::this_thread::sleep_until(start + i * 33ms);  // a real-time sender
    const auto payloads = media::packetize_h264(frames[i].annexb, 1200);
    const uint32_t ts = ts_offset + static_cast<uint32_t>(frames[i].pts_90k);
    for (size_t k = 0; k < payloads.size(); ++k) send(payloads[k], ts, k + 1 == payloads.size());
    if (after) after(ts);
  }
}

void ListenSender::bye(uint32_t ssrc) {
  std::vector<uint8_t> packet;
  common::write_receiver_report({ssrc, {}}, packet);
  common::write_bye({{ssrc}}, packet);
  send_datagram(packet, true);
}

std::optional<int> ListenSender::finish(std::chrono::milliseconds timeout) {
  bye(header_.ssrc);
  return client_->wait_for(timeout);
}

std::string ListenSender::log() const {
  return client_->log();
}

nlohmann::json ListenSender::metrics() const {
  return read_client_metrics(dir_.file("m.json"));
}

std::vector<std::string> ListenSender::hashes() const {
  return framemd5_hashes(dir_.file("got.framemd5"));
}

std::vector<std::string> ListenSender::ffmpeg_hashes() {
  REQUIRE(ffmpeg_);
  // ffmpeg ends on the BYE; a stream it could not follow ends it later.
  if (!ffmpeg_->wait_for(10s)) ffmpeg_->signal(SIGINT);
  ffmpeg_->wait_for(5s);
  return framemd5_hashes(dir_.file("ffmpeg.framemd5"));
}

}  // namespace flowcast::test
