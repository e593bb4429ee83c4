// flowcast-client: receives a flowcast stream over TCP or UDP, plays it, and
// measures what the transport did.
#include <CLI/CLI.hpp>

extern "C" {
#include <libavutil/log.h>
}
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "client/player.hpp"
#include "client/render/sdl_renderer.hpp"
#include "common/rtsp/rtsp_message.hpp"
#include "common/util/cli_units.hpp"
#include "common/util/cli_usage.hpp"
#include "common/util/units.hpp"
#include "media/source/file_source.hpp"

namespace {

// Where the client connects without HOST[:PORT], and without :PORT.
constexpr uint16_t kDefaultPort = 5004;

// Set once a stop can end playback with its files written: before that,
// SIGINT and SIGTERM end the process as they do by default.
std::atomic<bool> signals_stop_playback{false};

// Blocks SIGINT and SIGTERM in this thread and every thread it starts, and
// takes them on a thread of their own (sigwait): a stop must wake the render
// loop, which a signal handler may not do. Call before starting any thread.
void take_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (signals_stop_playback) {
        flowcast::client::Player::request_stop();
        continue;
      }
      std::signal(sig, SIG_DFL);
      pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
      raise(sig);
    }
  }).detach();
}

// Each value of an enumeration with its name (the table beside the enum), for
// common::OneOf.
template <typename Enum>
std::vector<std::pair<std::string, Enum>> named(std::initializer_list<Enum> values) {
  std::vector<std::pair<std::string, Enum>> names;
  for (Enum value : values) names.emplace_back(flowcast::client::to_string(value), value);
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace flowcast;
  using client::LossPolicy;
  using client::OverflowPolicy;
  using client::Transport;
  const auto launched = std::chrono::steady_clock::now();
  take_stop_signals();
  client::ClientOptions opt;
  CLI::App app{
      "flowcast-client: plays a flowcast stream and measures it.\n"
      "Over TCP, flow control holds the server back and nothing is lost: when the buffer runs "
      "dry, playback stalls (rebuffering).\nOver UDP, full buffers drop packets and playback "
      "goes on with artifacts.",
      "flowcast-client"};
  const common::OneOf<Transport> transports(
      named({Transport::tcp, Transport::udp, Transport::automatic}));
  const common::OneOf<OverflowPolicy> overflow_policies(
      named({OverflowPolicy::block, OverflowPolicy::drop_new, OverflowPolicy::drop_old,
             OverflowPolicy::grow}));
  const common::OneOf<LossPolicy> loss_policies(named({LossPolicy::conceal, LossPolicy::freeze}));
  std::optional<OverflowPolicy> overflow;  // none: the transport's default
  uint16_t listen_port = 0;
  std::string sdp;
  std::string rtsp_url, rtsp_user, rtsp_password;
  app.add_option_function<std::string>(
         "HOST[:PORT]",
         [&](const std::string& text) {
           if (common::parse_rtsp_url(text)) {
             rtsp_url = text;
             return;
           }
           const auto address = common::parse_host_port(text, kDefaultPort);
           opt.host = address->host;
           opt.port = address->port;
         },
         "flowcast-server's address (default 127.0.0.1:5004), or an RTSP source: "
         "rtsp://[USER:PASS@]HOST[:PORT]/PATH")
      ->check(common::IsParsedBy(
          [](std::string_view text) {
            return common::parse_rtsp_url(text) ||
                   common::parse_host_port(text, kDefaultPort).has_value();
          },
          "HOST or HOST:PORT, like 127.0.0.1:5004, or rtsp://HOST[:PORT]/PATH"));
  auto* transport =
      app.add_option("--transport", opt.transport,
                     "tcp or udp (default tcp); for rtsp:// also auto: UDP, then TCP when the "
                     "server refuses UDP or no RTP arrives within 2 s")
          ->transform(transports)
          ->type_name("tcp|udp|auto");
  auto* user =
      app.add_option("--user", rtsp_user, "RTSP user name (or in the URL)")->type_name("NAME");
  auto* password = app.add_option("--password", rtsp_password, "RTSP password (or in the URL)")
                       ->type_name("SECRET");
  auto* listen = app.add_option("--listen", listen_port,
                                "receive plain RTP on this UDP port (RTCP on the next) from any "
                                "sender, instead of connecting; with --sdp")
                     ->check(common::IsPort())
                     ->type_name("PORT");
  auto* listen_sdp =
      app.add_option("--sdp", sdp, "the SDP describing what --listen receives (ffmpeg's -sdp_file)")
          ->check(common::ExistingFile("give the SDP file the sender wrote"))
          ->type_name("FILE");
  listen->needs(listen_sdp);
  listen_sdp->needs(listen);
  std::string buffer_text;
  app.add_option("--buffer", buffer_text,
                 "media held before playback starts, and the playout delay (default 500ms); "
                 "adaptive: the delay follows the measured jitter (libwebrtc's estimator: 2.33 "
                 "standard deviations of the frame delay variation, plus decode and render "
                 "time), from 40ms up to --buffer-max, moving at most 100ms per second of media")
      ->transform(CLI::Validator(
          [](std::string& value) -> std::string {
            if (value == "adaptive") return {};
            return common::AsDuration()(value);
          },
          "", "DURATION"))
      ->type_name("DURATION|adaptive");
  app.add_option("--buffer-max", opt.buffer_max,
                 "receive buffer capacity in media time (default 2s)")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option("--rebuffer", opt.rebuffer,
                 "media needed to resume after a stall (default --buffer)")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option("--overflow", overflow,
                 "when the receive buffer is full: block (stop reading the socket; default for "
                 "tcp), drop-new, drop-old (default for udp) or grow")
      ->transform(overflow_policies)
      ->type_name("block|drop-new|drop-old|grow");
  app.add_option("--grow-max", opt.grow_max,
                 "largest size --overflow grow may reach, e.g. 8M (bytes)")
      ->transform(common::AsBytes())
      ->type_name("BYTES");
  app.add_option_function<std::string>(
         "--consumer-pause",
         [&](const std::string& text) { opt.consumer_pause = common::parse_at_for(text); },
         "stop reading the network at AT for FOR, e.g. 2s+2s (a busy consumer)")
      ->check(common::IsParsedBy(common::parse_at_for, "AT+FOR, like 2s+2s"))
      ->type_name("AT+FOR");
  app.add_flag("--nack", opt.nack,
               "ask the server to resend lost packets (RTCP NACK); they count as recovered if "
               "they arrive in time");
  app.add_option("--on-loss", opt.on_loss, "conceal (decode what arrived; default) or freeze")
      ->transform(loss_policies)
      ->type_name("conceal|freeze");
  app.add_option_function<std::string>(
         "--max-picture",
         [&](const std::string& text) {
           const auto size = common::parse_picture_size(text);
           opt.max_picture = media::PictureLimit{size->first, size->second};
         },
         "largest picture decoded, WxH (default 8192x4320, 8K): a stream declaring more "
         "pixels, or a longer side, is refused and counted in frames.oversized, so a "
         "hostile stream cannot make the decoder take gigabytes")
      ->check(common::IsParsedBy(common::parse_picture_size, "WxH, like 3840x2160"))
      ->type_name("WxH");
  app.add_option("--so-rcvbuf", opt.so_rcvbuf, "kernel receive buffer size in bytes, e.g. 65536")
      ->transform(common::AsBytes(1 << 30))
      ->type_name("BYTES");
  app.add_flag("--headless", opt.headless, "no window (automatic when there is no display)");
  app.add_flag("--quiet", opt.quiet, "no status output");
  app.add_flag("--no-audio", opt.no_audio, "ignore the audio track: do not set it up, nor play it");
  app.add_option("--duration", opt.duration,
                 "stop after this long (default: until the stream ends or q)")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option("--metrics", opt.metrics_path, "write the metrics JSON here on exit")
      ->type_name("FILE");
  app.add_option("--timeline", opt.timeline_path, "write the 10 Hz timeline CSV here on exit")
      ->type_name("FILE");
  app.add_option("--report", opt.report_path,
                 "write a self-contained HTML report here on exit: buffer, kernel, bitrate, loss "
                 "and PSNR charts, the summary and the snapshots")
      ->type_name("FILE");
  app.add_option("--reference", opt.quality.reference,
                 "the file the server streams: every rendered picture is compared with the same "
                 "picture decoded from it (luma PSNR, MOS). Needs a file source, not the pattern")
      ->check(common::ExistingFile("give the file the server streams"))
      ->type_name("FILE");
  app.add_option("--frames", opt.quality.frames_path,
                 "write one CSV row per rendered picture here (time, PSNR, MOS, damage flags)")
      ->type_name("FILE");
  app.add_option("--snapshot", opt.quality.snapshot_dir,
                 "folder for PNGs: the first damaged picture of each loss episode, the worst "
                 "PSNR and one clean picture, and what the s key saves (created if missing)")
      ->type_name("DIR");
  app.add_option("--snapshot-max", opt.quality.snapshot_max,
                 "at most this many automatic snapshots (default 12)")
      ->check(common::IsWithin(1, 10000));
  app.add_option("--framemd5", opt.framemd5_path,
                 "write one line per decoded frame, in the format of ffmpeg's framemd5 muxer")
      ->type_name("FILE");
  // What takes more than one option, once every value has been read.
  app.callback([&] {
    if (rtsp_url.empty() && (user->count() || password->count()))
      throw CLI::ValidationError("--user and --password are for rtsp:// sources");
    if (rtsp_url.empty() && opt.transport == Transport::automatic)
      throw CLI::ValidationError(
          "--transport auto is for rtsp:// sources: give tcp or udp for flowcast-server");
    if (!rtsp_url.empty()) {
      if (listen->count())
        throw CLI::ValidationError("--listen receives plain RTP: drop the rtsp:// URL");
      opt.rtsp = client::rtsp_options(rtsp_url, rtsp_user, rtsp_password, opt.transport);
      opt.host = opt.rtsp->url.host;
      opt.port = opt.rtsp->url.port;
    }
    if (listen->count()) {
      if (transport->count() && opt.transport != Transport::udp)
        throw CLI::ValidationError("--listen receives RTP over UDP: drop --transport tcp");
      try {
        opt.listen = client::read_listen_options(listen_port, sdp);
      } catch (const std::exception& e) {
        throw CLI::ValidationError(e.what());
      }
      opt.transport = Transport::udp;
      opt.payload_format = opt.listen->format;
      opt.host = opt.listen->ipv6 ? "::" : "0.0.0.0";
      opt.port = listen_port;
    }
    if (buffer_text == "adaptive") {
      opt.buffer_adaptive = true;
      opt.buffer = client::PlayoutDelay::kAdaptiveFloor;
    } else if (!buffer_text.empty()) {
      opt.buffer = std::chrono::microseconds(std::stoll(buffer_text));
    }
    if (opt.buffer_max < opt.buffer)
      throw CLI::ValidationError("--buffer-max must be at least --buffer");
    opt.overflow = overflow.value_or(opt.transport == Transport::tcp ? OverflowPolicy::block
                                                                     : OverflowPolicy::drop_old);
    if (const auto& folder = opt.quality.snapshot_dir) {
      std::error_code ec;
      std::filesystem::create_directories(*folder, ec);
      if (!std::filesystem::is_directory(*folder, ec))
        throw CLI::ValidationError("--snapshot " + *folder + ": cannot create that folder" +
                                   (ec ? " (" + ec.message() + ")" : std::string()));
    }
  });
  // Damage is counted, not printed: the decoder's complaints would drown the
  // status line.
  av_log_set_level(AV_LOG_FATAL);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return common::usage_exit(app, e);
  }

  if (opt.rtsp) {
    // The SDP says what the stream is before the pipeline is built.
    try {
      client::describe_rtsp(*opt.rtsp, std::chrono::seconds(5));
    } catch (const std::exception& e) {
      // No server, refused, 401, 404, 503: still a session, with its files.
      return client::fail_before_playback(opt, launched, e.what());
    }
    opt.payload_format = opt.rtsp->format;
  }
  // The SDP's audio that will not play, said once; the video plays.
  const std::string& audio_ignored = opt.listen ? opt.listen->audio_ignored
                                     : opt.rtsp ? opt.rtsp->audio_ignored
                                                : std::string();
  if (!opt.no_audio && !audio_ignored.empty())
    std::fprintf(stderr, "flowcast-client: the stream's audio is left out: %s\n",
                 audio_ignored.c_str());

  std::unique_ptr<client::Renderer> renderer;
  const bool display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
  if (!opt.headless && display) {
    try {
      const std::string mode = opt.listen ? "listen"
                               : opt.rtsp ? "rtsp " + client::to_string(opt.transport)
                                          : client::to_string(opt.transport);
      renderer = std::make_unique<client::SdlRenderer>(
          "flowcast - " + mode + " " + opt.host + ":" + std::to_string(opt.port),
          opt.quality.snapshot_dir.value_or(""));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "flowcast-client: %s; playing headless\n", e.what());
    }
  }
  if (!renderer) renderer = std::make_unique<client::HeadlessRenderer>();

  signals_stop_playback = true;
  std::signal(SIGPIPE, SIG_IGN);

  std::optional<client::Player> player;
  try {
    player.emplace(opt, std::move(renderer), launched);
  } catch (const media::SourceError& e) {
    return common::usage_exit(app, CLI::ValidationError("--reference", e.what()));
  } catch (const std::exception& e) {
    // The pipeline could not be built (a port already taken, say).
    return client::fail_before_playback(opt, launched, e.what());
  }
  try {
    return player->run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-client: %s\n", e.what());
    return 1;
  }
}
