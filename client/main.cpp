// flowcast-client: receives a flowcast stream over TCP or UDP, plays it, and
// measures what the transport did.
#include <CLI/CLI.hpp>

extern "C" {
#include <libavutil/log.h>
}
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "client/player.hpp"
#include "client/render/sdl_renderer.hpp"
#include "media/source/file_source.hpp"
#include "common/util/units.hpp"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "flowcast-client: %s\n(see flowcast-client --help)\n", message.c_str());
  return 2;
}

void on_signal(int) { flowcast::client::Player::request_stop(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace flowcast;
  const auto launched = std::chrono::steady_clock::now();
  client::ClientOptions opt;
  CLI::App app{
      "flowcast-client: plays a flowcast stream and measures it.\n"
      "Over TCP, flow control holds the server back and nothing is lost: when the buffer runs "
      "dry, playback stalls (rebuffering).\nOver UDP, full buffers drop packets and playback "
      "goes on with artifacts.",
      "flowcast-client"};
  std::string target = "127.0.0.1:5004", transport = "tcp", buffer = "500ms",
              buffer_max = "2s", rebuffer, overflow, on_loss = "conceal", duration, so_rcvbuf;
  std::string metrics, timeline, framemd5, consumer_pause, grow_max, snapshot, sdp;
  std::string reference, frames, report;
  int listen = 0;
  app.add_option("HOST[:PORT]", target, "server address (default 127.0.0.1:5004)");
  app.add_option("--transport", transport, "tcp or udp (default tcp)");
  app.add_option("--listen", listen,
                 "receive plain RTP on this UDP port (RTCP on the next) from any sender, "
                 "instead of connecting; with --sdp");
  app.add_option("--sdp", sdp, "the SDP describing what --listen receives (ffmpeg's -sdp_file)");
  app.add_option("--buffer", buffer, "media held before playback starts (default 500ms)");
  app.add_option("--buffer-max", buffer_max, "receive buffer capacity in media time (default 2s)");
  app.add_option("--rebuffer", rebuffer, "media needed to resume after a stall (default --buffer)");
  app.add_option("--overflow", overflow,
                 "when the receive buffer is full: block (stop reading the socket; default for "
                 "tcp), drop-new, drop-old (default for udp) or grow");
  app.add_option("--grow-max", grow_max, "largest size --overflow grow may reach, e.g. 8M (bytes)");
  app.add_option("--consumer-pause", consumer_pause,
                 "stop reading the network at AT for FOR, e.g. 2s+2s (a busy consumer)");
  app.add_flag("--nack", opt.nack,
               "ask the server to resend lost packets (RTCP NACK); they count as recovered if "
               "they arrive in time");
  app.add_option("--on-loss", on_loss, "conceal (decode what arrived; default) or freeze");
  std::string max_picture = "8192x4320";
  app.add_option("--max-picture", max_picture,
                 "largest picture decoded, WxH (default 8192x4320, 8K): a stream declaring more "
                 "pixels, or a longer side, is refused and counted in frames.oversized, so a "
                 "hostile stream cannot make the decoder take gigabytes");
  app.add_option("--so-rcvbuf", so_rcvbuf, "kernel receive buffer size in bytes, e.g. 65536");
  app.add_flag("--headless", opt.headless, "no window (automatic when there is no display)");
  app.add_flag("--quiet", opt.quiet, "no status output");
  app.add_option("--duration", duration, "stop after this long (default: until the stream ends or q)");
  app.add_option("--metrics", metrics, "write the metrics JSON here on exit");
  app.add_option("--timeline", timeline, "write the 10 Hz timeline CSV here on exit");
  app.add_option("--report", report,
                 "write a self-contained HTML report here on exit: buffer, kernel, bitrate, loss "
                 "and PSNR charts, the summary and the snapshots");
  app.add_option("--reference", reference,
                 "the file the server streams: every rendered picture is compared with the same "
                 "picture decoded from it (luma PSNR, MOS). Needs a file source, not the pattern");
  app.add_option("--frames", frames,
                 "write one CSV row per rendered picture here (time, PSNR, MOS, damage flags)");
  app.add_option("--snapshot", snapshot,
                 "folder for PNGs: the first damaged picture of each loss episode, the worst "
                 "PSNR and one clean picture, and what the s key saves (created if missing)");
  app.add_option("--snapshot-max", opt.quality.snapshot_max,
                 "at most this many automatic snapshots (default 12)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--framemd5", framemd5,
                 "write one line per decoded frame, in the format of ffmpeg's framemd5 muxer");
  // Damage is counted, not printed: the decoder's complaints would drown the
  // status line.
  av_log_set_level(AV_LOG_FATAL);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  auto hp = common::parse_host_port(target, 5004);
  if (!hp) return usage_error("'" + target + "' is not HOST or HOST:PORT");
  opt.host = hp->host;
  opt.port = hp->port;
  if (transport == "tcp") opt.transport = client::Transport::tcp;
  else if (transport == "udp") opt.transport = client::Transport::udp;
  else return usage_error("--transport must be tcp or udp, not '" + transport + "'");
  if (app.count("--listen") || !sdp.empty()) {
    if (!app.count("--listen") || sdp.empty() || listen < 1 || listen > 65535)
      return usage_error("--listen PORT and --sdp FILE go together, with PORT in 1..65535");
    if (transport != "udp" && app.count("--transport"))
      return usage_error("--listen receives RTP over UDP: drop --transport tcp");
    try {
      opt.listen = client::read_listen_options(static_cast<uint16_t>(listen), sdp);
    } catch (const std::exception& e) {
      return usage_error(e.what());
    }
    opt.transport = client::Transport::udp;
    opt.payload_format = opt.listen->format;
    opt.host = opt.listen->ipv6 ? "::" : "0.0.0.0";
    opt.port = static_cast<uint16_t>(listen);
    transport = "listen";
  }
  auto parse_d = [](const std::string& v, std::chrono::microseconds& out) {
    auto d = common::parse_duration(v);
    if (!d) return false;
    out = *d;
    return true;
  };
  if (!parse_d(buffer, opt.buffer))
    return usage_error("--buffer wants a duration like 500ms, 2s or 1.5s, not '" + buffer + "'");
  if (!parse_d(buffer_max, opt.buffer_max))
    return usage_error("--buffer-max wants a duration like 2s, not '" + buffer_max + "'");
  if (!rebuffer.empty()) {
    std::chrono::microseconds r;
    if (!parse_d(rebuffer, r))
      return usage_error("--rebuffer wants a duration like 500ms, not '" + rebuffer + "'");
    opt.rebuffer = r;
  }
  if (opt.buffer_max < opt.buffer)
    return usage_error("--buffer-max must be at least --buffer");
  opt.overflow = opt.transport == client::Transport::tcp ? client::OverflowPolicy::block
                                                         : client::OverflowPolicy::drop_old;
  if (overflow == "block") opt.overflow = client::OverflowPolicy::block;
  else if (overflow == "drop-new") opt.overflow = client::OverflowPolicy::drop_new;
  else if (overflow == "drop-old") opt.overflow = client::OverflowPolicy::drop_old;
  else if (overflow == "grow") opt.overflow = client::OverflowPolicy::grow;
  else if (!overflow.empty())
    return usage_error("--overflow must be block, drop-new, drop-old or grow");
  if (on_loss == "conceal") opt.on_loss = client::LossPolicy::conceal;
  else if (on_loss == "freeze") opt.on_loss = client::LossPolicy::freeze;
  else return usage_error("--on-loss must be conceal or freeze");
  {
    auto size = common::parse_picture_size(max_picture);
    if (!size) return usage_error("--max-picture wants WxH, like 3840x2160, not '" + max_picture + "'");
    opt.max_picture = media::PictureLimit{size->first, size->second};
  }
  if (!so_rcvbuf.empty()) {
    auto b = common::parse_bytes(so_rcvbuf);
    if (!b || *b > (1 << 30)) return usage_error("--so-rcvbuf wants a size in bytes, like 65536");
    opt.so_rcvbuf = static_cast<int>(*b);
  }
  if (!grow_max.empty()) {
    auto b = common::parse_bytes(grow_max);
    if (!b) return usage_error("--grow-max wants a size in bytes, like 8M");
    opt.grow_max = *b;
  }
  if (!consumer_pause.empty()) {
    auto p = common::parse_at_for(consumer_pause);
    if (!p) return usage_error("--consumer-pause wants AT+FOR, like 2s+2s");
    opt.consumer_pause = *p;
  }
  if (!duration.empty()) {
    std::chrono::microseconds d;
    if (!parse_d(duration, d))
      return usage_error("--duration wants a duration like 10s, not '" + duration + "'");
    opt.duration = d;
  }
  if (!metrics.empty()) opt.metrics_path = metrics;
  if (!timeline.empty()) opt.timeline_path = timeline;
  if (!framemd5.empty()) opt.framemd5_path = framemd5;
  if (!report.empty()) opt.report_path = report;
  if (!frames.empty()) opt.quality.frames_path = frames;
  if (!reference.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(reference, ec))
      return usage_error("--reference " + reference + ": no such file; give the file the server "
                         "streams");
    opt.quality.reference = reference;
  }
  if (!snapshot.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(snapshot, ec);
    if (!std::filesystem::is_directory(snapshot, ec))
      return usage_error("--snapshot " + snapshot + ": cannot create that folder" +
                         (ec ? " (" + ec.message() + ")" : std::string()));
    opt.quality.snapshot_dir = snapshot;
  }

  std::unique_ptr<client::Renderer> renderer;
  const bool display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
  if (!opt.headless && display) {
    try {
      renderer = std::make_unique<client::SdlRenderer>(
          "flowcast - " + transport + " " + opt.host + ":" + std::to_string(opt.port), snapshot);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flowcast-client: %s; playing headless\n", e.what());
    }
  }
  if (!renderer) renderer = std::make_unique<client::HeadlessRenderer>();

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    client::Player player(opt, std::move(renderer), launched);
    return player.run();
  } catch (const media::SourceError& e) {
    return usage_error(std::string("--reference: ") + e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-client: %s\n", e.what());
    return 1;
  }
}
