// flowcast-decode-bench: what decoding a file's access units costs in CPU,
// through media::VideoDecoder exactly as flowcast-client sets it up and feeds
// it, next to plain libavcodec set up as ffmpeg's command line does. The
// access units are read once (media::FileSource: Annex B, parameter sets
// before every keyframe, as flowcast-server sends them), then every mode
// decodes all of them, round after round, the modes interleaved so that a
// machine whose load changes affects all alike.
//
// CPU is user + sys of the whole process (every libavcodec thread) from
// getrusage, over one mode's pass. --pace feeds each access unit at its
// decode time, as a live stream arrives (a pass then lasts the clip);
// --batch N with it feeds N units at once, as a buffer that lets them gather.
//
// Modes:
//   flowcast        VideoDecoder, threading chosen from the stream as the
//                   client does (--max-delay: the pictures of delay allowed)
//   flowcast-sliceN VideoDecoder with N slice threads (the old fixed setup: 2)
//   lavc-N          libavcodec's defaults with N threads (frame threads when
//                   N > 1, as `ffmpeg -threads N`): a packet allocated and
//                   filled per access unit, one AVFrame reused
//   lavc-sliceN     the same with slice threads only
// Output: one line per pass (TSV: round, mode, CPU s, wall s, pictures),
// then per mode the median CPU (min-max) and the median (min-max) of the
// round-by-round ratio to the first mode.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/util/cli_usage.hpp"
#include "media/codec/video_decoder.hpp"
#include "media/ffmpeg/av_error.hpp"
#include "media/source/file_source.hpp"

using namespace flowcast;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct Clip {
  AVCodecID codec_id = AV_CODEC_ID_H264;
  std::vector<media::EncodedFrame> units;
};

// Feeds the access units in decode order; with pace, each at its decode time
// from the start, or with batch > 1 in groups of batch units, each group once
// its last unit has arrived. Returns the pictures out.
template <typename Decode>
size_t feed(const Clip& clip, bool pace, size_t batch, Decode&& decode) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t first_dts = clip.units.empty() ? 0 : clip.units.front().dts_90k;
  size_t pictures = 0;
  for (size_t i = 0; i < clip.units.size(); i += batch) {
    const size_t end = std::min(clip.units.size(), i + batch);
    if (pace)
      std::this_thread::sleep_until(
          start + std::chrono::microseconds((clip.units[end - 1].dts_90k - first_dts) * 100 / 9));
    for (size_t j = i; j < end; ++j) pictures += decode(&clip.units[j]);
  }
  return pictures + decode(nullptr);  // nullptr: the end, drain
}

size_t run_flowcast(const Clip& clip, bool pace, size_t batch,
                    media::DecoderThreadingRequest request, std::string& chosen) {
  media::VideoDecoder decoder(clip.codec_id, request);
  const size_t n = feed(clip, pace, batch, [&](const media::EncodedFrame* u) {
    return u ? decoder.decode(u->annexb, u->pts_90k).size() : decoder.flush().size();
  });
  if (decoder.threading())
    chosen = std::to_string(decoder.threading()->threads) + " thread(s), " +
             std::string(decoder.threading()->reason);
  return n;
}

size_t run_lavc(const Clip& clip, bool pace, size_t batch, int threads, int type) {
  const AVCodec* codec = avcodec_find_decoder(clip.codec_id);
  media::CodecContext ctx(avcodec_alloc_context3(codec));
  ctx->thread_count = threads;
  if (type) ctx->thread_type = type;
  media::check_av(avcodec_open2(ctx.get(), codec, nullptr), "opening the decoder");
  media::Packet packet;
  media::Frame frame;
  auto receive = [&] {
    size_t n = 0;
    while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
      ++n;
      av_frame_unref(frame.get());
    }
    return n;
  };
  return feed(clip, pace, batch, [&](const media::EncodedFrame* u) -> size_t {
    if (!u) {
      avcodec_send_packet(ctx.get(), nullptr);
      return receive();
    }
    // What a demuxer hands ffmpeg: a packet of its own per access unit.
    media::check_av(av_new_packet(packet.get(), static_cast<int>(u->annexb.size())), "packet");
    std::memcpy(packet->data, u->annexb.data(), u->annexb.size());
    packet->pts = u->pts_90k;
    size_t n = 0;
    while (avcodec_send_packet(ctx.get(), packet.get()) == AVERROR(EAGAIN)) n += receive();
    av_packet_unref(packet.get());
    return n + receive();
  });
}

struct Mode {
  std::string name;
  std::vector<double> cpu;
};

std::string summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.3f (%.3f-%.3f)", median, v.front(), v.back());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "flowcast-decode-bench: the CPU of decoding a file through flowcast's decoder "
      "setup and through plain libavcodec, modes interleaved round by round.",
      "flowcast-decode-bench"};
  std::string path;
  int rounds = 5;
  bool pace = false;
  size_t batch = 1;
  int max_delay = 0;
  std::vector<std::string> modes{"flowcast", "flowcast-slice2", "lavc-1", "lavc-2"};
  app.add_option("CLIP", path, "an H.264 or H.265 file")->required();
  app.add_option("--rounds", rounds, "rounds of every mode (default 5)")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--pace", pace, "feed each access unit at its decode time, as a live stream");
  app.add_option("--batch", batch,
                 "with --pace, feed the units in groups of this many, each once its last unit "
                 "has arrived (default 1)")
      ->check(CLI::Range(1, 64));
  app.add_option("--max-delay", max_delay,
                 "flowcast: pictures of delay its threads may add (the client: 1 with the "
                 "default buffer, 0 with --buffer 0ms; default 0)");
  app.add_option("--modes", modes,
                 "flowcast, flowcast-sliceN, lavc-N, lavc-sliceN (default flowcast "
                 "flowcast-slice2 lavc-1 lavc-2); the first is the ratios' reference")
      ->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return common::usage_exit(app, e);
  }

  Clip clip;
  try {
    media::FileSource source(path);
    clip.codec_id = source.info().codec_id;
    while (auto f = source.next()) clip.units.push_back(std::move(*f));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-decode-bench: %s\n", e.what());
    return 1;
  }
  std::vector<Mode> results;
  for (const auto& m : modes) results.push_back({m, {}});
  std::printf("round\tmode\tcpu_s\twall_s\tpictures\n");
  std::string chosen;
  for (int r = 1; r <= rounds; ++r) {
    for (auto& mode : results) {
      const std::string& m = mode.name;
      const double cpu0 = cpu_seconds();
      const auto wall0 = std::chrono::steady_clock::now();
      size_t pictures = 0;
      auto number_after = [&](std::string_view prefix) {
        return std::stoi(m.substr(prefix.size()));
      };
      if (m == "flowcast") {
        pictures = run_flowcast(
            clip, pace, batch,
            media::DecoderThreadingRequest::chosen({.max_added_delay = max_delay, .cores = 0}),
            chosen);
      } else if (m.rfind("flowcast-slice", 0) == 0) {
        std::string ignored;
        pictures = run_flowcast(
            clip, pace, batch,
            media::DecoderThreadingRequest::exactly(number_after("flowcast-slice")), ignored);
      } else if (m.rfind("lavc-slice", 0) == 0) {
        pictures = run_lavc(clip, pace, batch, number_after("lavc-slice"), FF_THREAD_SLICE);
      } else if (m.rfind("lavc-", 0) == 0) {
        pictures = run_lavc(clip, pace, batch, number_after("lavc-"), 0);
      } else {
        std::fprintf(stderr, "flowcast-decode-bench: unknown mode '%s'\n", m.c_str());
        return 2;
      }
      const double cpu = cpu_seconds() - cpu0;
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
      mode.cpu.push_back(cpu);
      std::printf("%d\t%s\t%.3f\t%.3f\t%zu\n", r, m.c_str(), cpu, wall, pictures);
      std::fflush(stdout);
    }
  }
  std::printf("\n%zu access units; flowcast chose: %s\n", clip.units.size(), chosen.c_str());
  std::printf("mode\tcpu_s median (min-max)\tratio to %s, round by round\n",
              results.front().name.c_str());
  for (const auto& mode : results) {
    std::vector<double> ratios;
    for (size_t i = 0; i < mode.cpu.size(); ++i)
      ratios.push_back(mode.cpu[i] / results.front().cpu[i]);
    std::printf("%s\t%s\t%s\n", mode.name.c_str(), summary(mode.cpu).c_str(),
                summary(ratios).c_str());
  }
  return 0;
}
