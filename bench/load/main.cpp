// flowcast-load: many lightweight viewers of one flowcast server, in one
// thread, counting what each receives (bench/fanout.sh, the [fanout] test).
// Exit: 0 the run happened, 1 no viewer could join (or, --passive, nothing
// arrived), 2 a usage error, 130 SIGINT or SIGTERM ended it early (the
// results so far are still written, marked "interrupted").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "bench/load/load_options.hpp"
#include "bench/load/load_run.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/cli_units.hpp"
#include "common/util/cli_usage.hpp"
#include "common/util/units.hpp"

using namespace flowcast;
using namespace flowcast::bench;

int main(int argc, char** argv) {
  LoadOptions opt;
  CLI::App app{
      "flowcast-load: N viewers of a flowcast server in one thread (epoll, recvmmsg), each "
      "counting the RTP it receives as RFC 3550 A.1 does; or, with --passive, N plain UDP "
      "ports counting what a sender with a list of clients sends them.\n"
      "The run: viewer i starts to join at i / --join-rate s; --duration after the last one "
      "started, every viewer leaves with an RTCP BYE and the tool exits, also when the server "
      "is gone. Each viewer sends a receiver report every 500 ms.\n"
      "Exit: 0 the run happened, 1 no viewer could join (with --passive: nothing arrived), "
      "2 a usage error, 130 interrupted (SIGINT or SIGTERM; the results so far are still "
      "written, marked \"interrupted\").",
      "flowcast-load"};
  std::string target = "127.0.0.1:5004";
  app.add_option("HOST[:PORT]", target, "the flowcast server (default 127.0.0.1:5004)")
      ->type_name("HOST[:PORT]")
      ->check(common::IsParsedBy(
          [](std::string_view t) { return common::parse_host_port(t, 5004).has_value(); },
          "HOST[:PORT], like 127.0.0.1:5004"));
  app.add_option("--transport", opt.transport,
                 "udp: one socket per viewer, the flowcast handshake (HELLO resent every 500 ms, "
                 "given up after 3 s); tcp: one connection per viewer, RFC 4571 framing "
                 "(default udp)")
      ->transform(
          common::OneOf<LoadTransport>({{"udp", LoadTransport::udp}, {"tcp", LoadTransport::tcp}}))
      ->type_name("udp|tcp");
  app.add_option("--viewers", opt.viewers, "number of viewers (default 100)")
      ->check(common::IsWithin(1, 20000))
      ->type_name("N");
  app.add_option("--join-rate", opt.join_rate,
                 "viewers per second that start to join, spread evenly (default 200)")
      ->check(common::IsWithin(0.1, 100000.0))
      ->type_name("N");
  app.add_option("--duration", opt.duration,
                 "how long the run goes on after the last viewer started to join; the whole "
                 "run is viewers / join-rate + this + under a second (default 10s)")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option("--measure-after", opt.measure_after,
                 "warm-up: a viewer's received fraction counts only packets from this long after "
                 "its join, so the wait for a keyframe is not counted (default 2s)")
      ->transform(common::AsDuration())
      ->type_name("DURATION");
  app.add_option(
         "--stalled", opt.stalled,
         "the last K viewers misbehave: over TCP they never read their socket (they "
         "still send receiver reports) and ask for a 4 KiB receive buffer, so the "
         "stall reaches the server within seconds; over UDP they never send RTCP, so the server "
         "should end them after 5 s. Not counted in the fractions (default 0)")
      ->check(common::IsWithin(0, 20000))
      ->type_name("K");
  auto* passive =
      app.add_option("--passive", opt.passive_port,
                     "no server: bind N UDP sockets on 127.0.0.1 ports PORT..PORT+N-1, send "
                     "nothing, and count what arrives for --duration (for a sender with a list "
                     "of clients, such as GStreamer's multiudpsink)")
          ->check(common::IsPort())
          ->type_name("PORT");
  app.add_option("--rcvbuf", opt.rcvbuf_bytes,
                 "SO_RCVBUF asked for on every socket; the kernel doubles it and caps it at "
                 "net.core.rmem_max. Datagrams the kernel still drops at these sockets are "
                 "counted apart (dropped_kernel): the tool read too late, or the sender's "
                 "burst outgrew the buffer; not a loss on the way (default 256k)")
      ->transform(common::AsBytes(64 << 20))
      ->type_name("BYTES");
  app.add_option("--json", opt.json_path,
                 "write the results (flowcast.load/1: the aggregate and one row per viewer) "
                 "here, atomically")
      ->type_name("FILE");
  app.add_flag("--quiet", opt.quiet, "no summary on stderr");

  try {
    app.parse(argc, argv);
    const auto host_port = common::parse_host_port(target, 5004);
    opt.host = host_port->host;
    opt.port = host_port->port;
    if (opt.stalled > opt.viewers)
      throw CLI::ValidationError("--stalled",
                                 "must be at most --viewers (" + std::to_string(opt.viewers) + ")");
    if (opt.duration <= opt.measure_after)
      throw CLI::ValidationError("--duration", "must be longer than --measure-after (" +
                                                   common::format_duration(opt.measure_after) +
                                                   "), or no packet is measured");
    if (passive->count() > 0 && opt.transport == LoadTransport::tcp)
      throw CLI::ValidationError("--passive", "receives UDP only: leave out --transport tcp");
    if (passive->count() > 0 && *opt.passive_port + opt.viewers - 1 > 65535)
      throw CLI::ValidationError("--passive", "PORT + --viewers - 1 must be at most 65535");
  } catch (const CLI::ParseError& e) {
    return common::usage_exit(app, e);
  }

  LoadReport report;
  try {
    LoadRun run(opt);
    report = run.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-load: %s\n", e.what());
    return 1;
  }
  if (!opt.quiet) std::fputs(report.summary_text().c_str(), stderr);
  if (!opt.json_path.empty()) {
    std::string error;
    if (!common::write_file_atomic(opt.json_path, nlohmann::json(report).dump(2) + "\n", error)) {
      std::fprintf(stderr, "flowcast-load: cannot write %s: %s\n", opt.json_path.c_str(),
                   error.c_str());
      return 1;
    }
  }
  if (report.interrupted) {
    std::fprintf(stderr,
                 "flowcast-load: interrupted after %.1f s: the figures cover the run so far\n",
                 report.run_ms / 1000);
    return 130;
  }
  if (opt.passive_port)
    return report.aggregate.packets_received > 0 || report.viewers.empty() ? 0 : 1;
  if (report.aggregate.joined == 0) {
    std::fprintf(stderr,
                 "flowcast-load: no viewer could join %s: is flowcast-server running there "
                 "with --transport %s?\n",
                 report.server.c_str(), report.transport.c_str());
    return 1;
  }
  return 0;
}
