// flowcast-server: streams H.264 over RTP to flowcast clients over TCP and UDP.
#include <CLI/CLI.hpp>

extern "C" {
#include <libavutil/log.h>
}
#include <cstdio>

#include "common/util/units.hpp"
#include "media/ffmpeg/av_error.hpp"
#include "server/server.hpp"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "flowcast-server: %s\n(see flowcast-server --help)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flowcast;
  server::ServerOptions opt;
  CLI::App app{
      "flowcast-server: streams H.264 video as RTP (RFC 6184) to flowcast clients, over TCP "
      "(RFC 4571 framing) and UDP on the same port.\n"
      "Without INPUT it streams a live test pattern with a frame counter, encoded once for all "
      "clients.\nWith INPUT, every client gets the file from its start, paced in real time.",
      "flowcast-server"};
  std::string input, transport = "both", pattern = "1280x720@30", bitrate = "4M", duration;
  std::string metrics, pacing = "smooth", sdp, push;
  std::string link_rate, link_queue, link_delay, link_jitter, link_loss, link_reorder,
      link_duplicate;
  double link_burst = 0;
  uint64_t link_seed = 1;
  int gop = 0;
  app.add_option("INPUT", input, "media file; H.264 is sent as is, other video is transcoded");
  app.add_option("--transport", transport, "tcp, udp or both (default both, on one port)");
  app.add_option("--bind", opt.bind, "address to listen on (default 127.0.0.1)");
  app.add_option("--port", opt.port, "port for TCP and UDP (default 5004)");
  app.add_option("--pattern", pattern, "test pattern size and rate WxH@FPS (default 1280x720@30)");
  app.add_option("--bitrate", bitrate, "test pattern bitrate, e.g. 800k or 4M (default 4M)");
  app.add_option("--gop", gop, "frames between keyframes of the pattern (default two seconds)");
  app.add_flag("--loop", opt.loop, "play the file again from the start when it ends");
  app.add_option("--mtu", opt.mtu, "largest RTP packet in bytes (default 1200)");
  app.add_option("--max-clients", opt.max_clients, "sessions served at once (default 64)");
  app.add_option("--duration", duration, "stop after this long, e.g. 30s");
  app.add_option("--metrics", metrics, "write server-side metrics JSON here at exit");
  app.add_flag("--quiet", opt.quiet, "no session log on stderr");
  app.add_option("--sdp", sdp,
                 "write the stream's SDP here, for ffplay, VLC or flowcast-client --listen");
  app.add_option("--push", push,
                 "also send the stream as plain RTP over UDP to HOST:PORT (RTCP to PORT+1), "
                 "no handshake; with --sdp the SDP describes it");
  app.add_option("--pacing", pacing,
                 "smooth (spread a frame's packets over its interval; default) or burst");
  auto* link = app.add_option_group(
      "link emulation", "a bad network, per session, seeded and deterministic (docs/LINK.md)");
  link->add_option("--link-rate", link_rate, "bottleneck rate, e.g. 1.4M (bits per second)");
  link->add_option("--link-queue", link_queue,
                   "bottleneck queue in time at that rate (default 200ms); UDP drops at its tail, "
                   "TCP waits");
  link->add_option("--link-delay", link_delay, "one-way delay, e.g. 40ms");
  link->add_option("--link-jitter", link_jitter, "delay varies by up to this much either way");
  link->add_option("--link-loss", link_loss,
                   "loss, e.g. 2%: UDP loses the packet, TCP delivers it 200 ms late and "
                   "everything behind it waits");
  link->add_option("--link-burst", link_burst, "mean length of loss bursts in packets (Gilbert-Elliott)");
  link->add_option("--link-reorder", link_reorder, "share of packets that others may overtake");
  link->add_option("--link-duplicate", link_duplicate, "share of packets delivered twice");
  link->add_option("--link-seed", link_seed, "seed for the link's random decisions (default 1)");
  av_log_set_level(AV_LOG_ERROR);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  if (!input.empty()) opt.input = input;
  if (transport == "tcp") opt.transport = server::TransportSet::tcp;
  else if (transport == "udp") opt.transport = server::TransportSet::udp;
  else if (transport == "both") opt.transport = server::TransportSet::both;
  else return usage_error("--transport must be tcp, udp or both, not '" + transport + "'");
  auto spec = common::parse_pattern(pattern);
  if (!spec) return usage_error("--pattern wants WxH@FPS with even sizes, like 1280x720@30");
  opt.width = spec->width;
  opt.height = spec->height;
  opt.fps = spec->fps;
  auto rate = common::parse_rate(bitrate);
  if (!rate) return usage_error("--bitrate wants a rate like 800k, 4M or 4000000");
  opt.bitrate = *rate;
  if (gop < 0) return usage_error("--gop must be a positive number of frames");
  opt.gop = gop;
  if (opt.mtu < 100 || opt.mtu > 65000) return usage_error("--mtu must be between 100 and 65000");
  if (opt.max_clients < 1) return usage_error("--max-clients must be at least 1");
  if (!duration.empty()) {
    auto d = common::parse_duration(duration);
    if (!d) return usage_error("--duration wants a duration like 500ms, 2s or 1.5s");
    opt.duration = *d;
  }
  if (!metrics.empty()) opt.metrics_path = metrics;
  if (!sdp.empty()) opt.sdp_path = sdp;
  if (!push.empty()) {
    opt.push = common::parse_host_port(push, 0);
    if (!opt.push) return usage_error("--push wants HOST:PORT, like 127.0.0.1:5006");
  }
  if (pacing == "smooth") opt.pacing = server::Pacing::smooth;
  else if (pacing == "burst") opt.pacing = server::Pacing::burst;
  else return usage_error("--pacing must be smooth or burst");
  if (!link_rate.empty()) {
    auto r = common::parse_rate(link_rate);
    if (!r) return usage_error("--link-rate wants a rate like 1.4M or 800k");
    opt.link.rate_bps = *r;
  }
  struct DurationFlag {
    const char* name;
    const std::string& text;
    std::chrono::microseconds& out;
  };
  for (DurationFlag f : {DurationFlag{"--link-queue", link_queue, opt.link.queue},
                         DurationFlag{"--link-delay", link_delay, opt.link.delay},
                         DurationFlag{"--link-jitter", link_jitter, opt.link.jitter}}) {
    if (f.text.empty()) continue;
    auto d = common::parse_duration(f.text);
    if (!d) return usage_error(std::string(f.name) + " wants a duration like 40ms");
    f.out = *d;
  }
  struct PercentFlag {
    const char* name;
    const std::string& text;
    double& out;
  };
  for (PercentFlag f : {PercentFlag{"--link-loss", link_loss, opt.link.loss_percent},
                        PercentFlag{"--link-reorder", link_reorder, opt.link.reorder_percent},
                        PercentFlag{"--link-duplicate", link_duplicate,
                                    opt.link.duplicate_percent}}) {
    if (f.text.empty()) continue;
    auto p = common::parse_percent(f.text);
    if (!p) return usage_error(std::string(f.name) + " wants a percentage like 2 or 2%");
    f.out = *p;
  }
  if (link_burst < 0) return usage_error("--link-burst must not be negative");
  opt.link.burst = link_burst;
  opt.link.seed = link_seed;

  try {
    server::Server srv(opt);
    return srv.run();
  } catch (const media::SourceError& e) {
    std::fprintf(stderr, "flowcast-server: %s\n", e.what());
    return 2;
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
