// flowcast-server: streams H.264 or H.265 over RTP to flowcast clients over TCP
// and UDP, and to RTSP players.
#include <CLI/CLI.hpp>

extern "C" {
#include <libavutil/log.h>
}
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/cli_units.hpp"
#include "common/util/cli_usage.hpp"
#include "common/util/units.hpp"
#include "media/ffmpeg/av_error.hpp"
#include "media/payload/payload_format.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  using namespace flowcast;
  using server::Pacing;
  using server::TransportSet;
  server::ServerOptions opt;
  CLI::App app{
      "flowcast-server: streams H.264 or H.265 video as RTP (RFC 6184, RFC 7798) to flowcast "
      "clients, over TCP (RFC 4571 framing) and UDP on the same port.\n"
      "Without INPUT it streams a live test pattern with a frame counter, encoded once for all "
      "clients (H.264, or H.265 with --codec h265).\nWith INPUT, every client gets the file from "
      "its start, paced in real time; a "
      "URL INPUT (rtsp://, srt://, udp://, http(s):// HLS) is relayed live, one timeline for "
      "all.\nRTSP players (ffplay, GStreamer, VLC) play rtsp://ADDR:8554/stream (--rtsp-port).",
      "flowcast-server"};
  app.add_option("INPUT", opt.input,
                 "media file (H.264 and H.265 are sent as they are, other video is transcoded "
                 "to H.264), or a URL relayed live (H.264 or H.265, with its AAC or Opus sound)")
      ->check(common::ExistingFileOrUrl(
          "check the path, or omit INPUT to stream the built-in test pattern"))
      ->type_name("FILE");
  app.add_option("--transport", opt.transport, "tcp, udp or both (default both, on one port)")
      ->transform(common::OneOf<TransportSet>(
          {{"tcp", TransportSet::tcp}, {"udp", TransportSet::udp}, {"both", TransportSet::both}}))
      ->type_name("tcp|udp|both");
  app.add_option("--bind", opt.bind, "address to listen on (default 127.0.0.1)")->type_name("ADDR");
  app.add_option("--port", opt.port, "port for TCP and UDP (default 5004)")
      ->check(common::IsWithin(0, 65535))
      ->type_name("N");
  auto* rtsp_port =
      app.add_option("--rtsp-port", opt.rtsp_port,
                     "RTSP port: the stream is rtsp://ADDR:N/stream (default 8554; 0: none)")
          ->check(common::IsWithin(0, 65535))
          ->type_name("N");
  app.add_option_function<std::string>(
         "--pattern",
         [&](const std::string& text) {
           const auto spec = common::parse_pattern(text);
           opt.width = spec->width;
           opt.height = spec->height;
           opt.fps = spec->fps;
         },
         "test pattern size and rate WxH@FPS (default 1280x720@30)")
      ->check(
          common::IsParsedBy(common::parse_pattern, "WxH@FPS with even sizes, like 1280x720@30"))
      ->type_name("WxH@FPS");
  app.add_option("--bitrate", opt.bitrate, "test pattern bitrate, e.g. 800k or 4M (default 4M)")
      ->transform(common::AsRate())
      ->type_name("RATE");
  app.add_option("--gop", opt.gop, "frames between keyframes of the pattern (default two seconds)")
      ->check(common::IsWithin(0))
      ->type_name("FRAMES");
  std::vector<std::string> codecs;
  std::string codec_help;
  for (const media::PayloadFormat* f : media::payload_formats()) {
    codecs.emplace_back(f->option_name);
    codec_help += (codec_help.empty() ? "" : " or ") + std::string(f->option_name) + " (" +
                  std::string(f->encoder.name) + (codec_help.empty() ? ", default)" : ")");
  }
  app.add_option_function<std::string>(
         "--codec",
         [&](const std::string& name) {
           opt.pattern_format = media::find_payload_format_option(name);
         },
         "codec of the test pattern: " + codec_help + "; a file's " +
             media::payload_format_names() + " is sent as it is")
      ->check(common::IsOneOf(codecs))
      ->type_name(CLI::detail::join(codecs, "|"));
  app.add_flag("--loop", opt.loop, "play the file again from the start when it ends");
  app.add_flag("--no-audio", opt.no_audio,
               "send the video only (by default the first audio track of a file or a "
               "relayed URL goes with it: AAC, Opus and G.711 as they are; a file's other "
               "sound as Opus; and the test pattern has an Opus beep-and-flash sound)");
  app.add_option("--mtu", opt.mtu, "largest RTP packet in bytes (default 1200)")
      ->check(common::IsWithin(100, 65000))
      ->type_name("BYTES");
  app.add_option("--max-clients", opt.max_clients, "sessions served at once (default 64)")
      ->check(common::IsWithin(1))
      ->type_name("N");
  app.add_option("--egress-limit", opt.egress_limit_bps,
                 "the most the server sends in all, e.g. 100M (bits per second; default: no "
                 "limit but the CPU). Past it, live viewers skip to the next keyframe and new "
                 "ones are refused as full")
      ->transform(common::AsRate())
      ->type_name("RATE");
  app.add_option("--duration", opt.duration, "stop after this long, e.g. 30s")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option("--metrics", opt.metrics_path, "write server-side metrics JSON here at exit")
      ->type_name("FILE");
  app.add_flag("--quiet", opt.quiet,
               "nothing on stderr but errors: no banner, session log or status line");
  app.add_option("--sdp", opt.sdp_path,
                 "write the stream's SDP here, for ffplay, VLC or flowcast-client --listen")
      ->type_name("FILE");
  app.add_option_function<std::string>(
         "--push", [&](const std::string& text) { opt.push = common::parse_host_port(text, 0); },
         "also send the stream as plain RTP over UDP to HOST:PORT (RTCP to PORT+1), "
         "no handshake; with --sdp the SDP describes it")
      ->check(
          common::IsParsedBy([](std::string_view text) { return common::parse_host_port(text, 0); },
                             "HOST:PORT, like 127.0.0.1:5006"))
      ->type_name("HOST:PORT");
  app.add_option("--pacing", opt.pacing,
                 "smooth (spread a frame's packets over its interval; default) or burst")
      ->transform(common::OneOf<Pacing>({{"smooth", Pacing::smooth}, {"burst", Pacing::burst}}))
      ->type_name("smooth|burst");
  auto* link = app.add_option_group(
      "link emulation", "a bad network, per session, seeded and deterministic (docs/LINK.md)");
  link->add_option("--link-rate", opt.link.rate_bps, "bottleneck rate, e.g. 1.4M (bits per second)")
      ->transform(common::AsRate())
      ->type_name("RATE");
  link->add_option("--link-queue", opt.link.queue,
                   "bottleneck queue in time at that rate (default 200ms); UDP drops at its tail, "
                   "TCP waits")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  link->add_option("--link-delay", opt.link.delay, "one-way delay, e.g. 40ms")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  link->add_option("--link-jitter", opt.link.jitter, "delay varies by up to this much either way")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  link->add_option("--link-loss", opt.link.loss_percent,
                   "loss, e.g. 2%: UDP loses the packet, TCP delivers it 200 ms late and "
                   "everything behind it waits")
      ->transform(common::AsPercent())
      ->type_name("PERCENT");
  link->add_option("--link-burst", opt.link.burst,
                   "mean length of loss bursts in packets (Gilbert-Elliott)")
      ->check(common::IsWithin(0.0))
      ->type_name("LENGTH");
  link->add_option("--link-reorder", opt.link.reorder_percent,
                   "share of packets that others may overtake")
      ->transform(common::AsPercent())
      ->type_name("PERCENT");
  link->add_option("--link-duplicate", opt.link.duplicate_percent,
                   "share of packets delivered twice")
      ->transform(common::AsPercent())
      ->type_name("PERCENT");
  link->add_option("--link-seed", opt.link.seed, "seed for the link's random decisions (default 1)")
      ->type_name("N");
  av_log_set_level(AV_LOG_ERROR);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return common::usage_exit(app, e);
  }
  opt.rtsp_port_given = rtsp_port->count() > 0;

  try {
    server::Server srv(opt);
    return srv.run();
  } catch (const media::SourceError& e) {
    // INPUT exists but is no video flowcast can stream; the message says
    // what to do, --help would not.
    std::fprintf(stderr, "flowcast-server: %s\n", e.what());
    return common::kUsageExitCode;
  } catch (const asio::system_error& e) {
    std::fprintf(stderr,
                 "flowcast-server: cannot listen on %s port %u: %s (is another server running "
                 "there? pick another with --port)\n",
                 opt.bind.c_str(), opt.port, e.code().message().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-server: %s\n", e.what());
    return 1;
  }
}
