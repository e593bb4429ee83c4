#include "client/sweep/sweep_grid.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "common/util/cli_units.hpp"
#include "common/util/units.hpp"

namespace flowcast::client::sweep {

namespace {

CLI::Validator validator_for(const std::string& kind) {
  if (kind == "RATE") return common::AsRate();
  if (kind == "DURATION") return common::AsDuration();
  if (kind == "PERCENT") return common::AsPercent();
  if (kind == "LENGTH") return common::IsWithin(0.0);
  if (kind == "FILE") return common::ExistingFileOrUrl("give a media file flowcast-server plays");
  if (kind == "tcp|udp|rtsp-tcp|rtsp-udp")
    return common::IsOneOf({"tcp", "udp", "rtsp-tcp", "rtsp-udp"});
  if (kind == "block|drop-new|drop-old|grow")
    return common::IsOneOf({"block", "drop-new", "drop-old", "grow"});
  if (kind == "conceal|freeze") return common::IsOneOf({"conceal", "freeze"});
  return common::IsOneOf({"on", "off"});
}

// The value of `axis` in the condition, or "" when the grid leaves it out.
std::string value_of(const Condition& condition, const std::string& axis) {
  const auto it = condition.find(axis);
  return it == condition.end() ? std::string() : it->second;
}

}  // namespace

const std::vector<AxisInfo>& axes() {
  static const std::vector<AxisInfo> list = {
      {"input", Target::server, "FILE", "media files instead of the built-in pattern"},
      {"bitrate", Target::server, "RATE", "the pattern's bitrates, e.g. 600k,4M"},
      {"link-rate", Target::server, "RATE", "bottleneck rates, e.g. 1M,2M"},
      {"link-queue", Target::server, "DURATION", "bottleneck queues in time, e.g. 100ms,400ms"},
      {"link-delay", Target::server, "DURATION", "one-way delays, e.g. 0ms,40ms"},
      {"link-jitter", Target::server, "DURATION", "jitters, e.g. 0ms,80ms"},
      {"link-loss", Target::server, "PERCENT", "losses, e.g. 0,1%,3%"},
      {"link-burst", Target::server, "LENGTH", "mean loss burst lengths in packets"},
      {"link-reorder", Target::server, "PERCENT", "reordered shares"},
      {"link-duplicate", Target::server, "PERCENT", "duplicated shares"},
      {"transport", Target::client, "tcp|udp|rtsp-tcp|rtsp-udp",
       "transports: flowcast's own TCP or UDP, or RTSP interleaved (rtsp-tcp) or over UDP"},
      {"buffer", Target::client, "DURATION", "startup and playout buffers, e.g. 250ms,1s"},
      {"overflow", Target::client, "block|drop-new|drop-old|grow", "receive buffer policies"},
      {"on-loss", Target::client, "conceal|freeze", "loss policies"},
      {"nack", Target::client, "on|off", "retransmission requests off or on"},
  };
  return list;
}

const AxisInfo* find_axis(const std::string& name) {
  for (const auto& axis : axes())
    if (name == axis.name) return &axis;
  return nullptr;
}

std::string check_axis_value(const std::string& axis, const std::string& value) {
  const AxisInfo* info = find_axis(axis);
  if (!info) return "is no grid option";
  std::string copy = value;  // transformers rewrite their argument
  return validator_for(info->kind)(copy);
}

std::string check_grid(const GridSpec& spec) {
  for (const auto& [name, values] : spec.axes) {
    if (!find_axis(name)) return "axes: \"" + name + "\" is no grid option (see --help)";
    if (values.empty()) return "axes: \"" + name + "\" has no values";
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string& value = values[i];
      // The same value twice would be the same runs twice, under one id.
      if (std::find(values.begin(), values.begin() + i, value) != values.begin() + i)
        return "--" + name + " lists '" + value + "' twice";
      const std::string problem = check_axis_value(name, value);
      if (!problem.empty()) return "--" + name + " " + problem;
    }
  }
  if (spec.axes.count("input") && spec.axes.count("bitrate"))
    return "--bitrate is the pattern's: drop it, or drop the input files";
  if (spec.seeds < 1) return "seeds must be at least 1, not " + std::to_string(spec.seeds);
  // The server's --link-seed is unsigned; the last seed must not wrap.
  if (spec.seed_base < 0)
    return "seed_base must be 0 or more (a --link-seed), not " + std::to_string(spec.seed_base);
  if (spec.seed_base > std::numeric_limits<int64_t>::max() - (spec.seeds - 1))
    return "seed_base " + std::to_string(spec.seed_base) + " leaves no room for " +
           std::to_string(spec.seeds) + " seeds";
  if (!common::parse_duration(spec.duration))
    return "duration wants a duration like 20s, not '" + spec.duration + "'";
  if (!common::parse_pattern(spec.pattern))
    return "pattern wants WxH@FPS like 640x360@30, not '" + spec.pattern + "'";
  return {};
}

std::string condition_text(const Condition& condition) {
  std::string text;
  for (const auto& axis : axes()) {
    const auto it = condition.find(axis.name);
    if (it == condition.end()) continue;
    if (!text.empty()) text += ' ';
    text += it->first + "=" + it->second;
  }
  return text;
}

std::string run_id(const Condition& condition, int64_t seed) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : condition_text(condition)) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[40];
  std::snprintf(text, sizeof text, "%08x-s%lld", static_cast<unsigned>(hash >> 32),
                static_cast<long long>(seed));
  return text;
}

std::vector<Run> expand(const GridSpec& spec) {
  std::vector<Condition> conditions = {Condition{}};
  for (const auto& axis : axes()) {
    const auto it = spec.axes.find(axis.name);
    if (it == spec.axes.end()) continue;
    std::vector<Condition> grown;
    for (const auto& condition : conditions)
      for (const auto& value : it->second) {
        Condition next = condition;
        next[axis.name] = value;
        grown.push_back(std::move(next));
      }
    conditions = std::move(grown);
  }
  std::vector<Run> runs;
  for (const auto& condition : conditions)
    for (int i = 0; i < spec.seeds; ++i) {
      const int64_t seed = spec.seed_base + i;
      runs.push_back(Run{run_id(condition, seed), condition, seed});
    }
  return runs;
}

std::vector<Run> take_shard(const std::vector<Run>& runs, int shard, int shards) {
  if (shards < 1 || shard < 1 || shard > shards)
    throw std::invalid_argument("--shard wants K/N with 1 <= K <= N, not " + std::to_string(shard) +
                                "/" + std::to_string(shards));
  std::vector<Run> part;
  for (size_t i = 0; i < runs.size(); ++i)
    if (static_cast<int>(i % shards) == shard - 1) part.push_back(runs[i]);
  return part;
}

Commands commands_for(const GridSpec& spec, const Run& run, const std::string& server_bin,
                      const std::string& client_bin, const std::string& dir, uint16_t port,
                      uint16_t rtsp_port) {
  const std::string transport =
      value_of(run.condition, "transport").empty() ? "tcp" : value_of(run.condition, "transport");
  const bool rtsp = transport.rfind("rtsp-", 0) == 0;
  Commands c;
  c.server = {server_bin,
              "--port",
              std::to_string(port),
              "--rtsp-port",
              rtsp ? std::to_string(rtsp_port) : "0",
              "--metrics",
              dir + "/server.json",
              "--link-seed",
              std::to_string(run.seed)};
  if (!rtsp) c.server.insert(c.server.end(), {"--transport", transport});
  // The server outlives the client; the sweep stops it once the client is done.
  const auto duration = common::parse_duration(spec.duration).value_or(std::chrono::seconds(20));
  c.server.insert(c.server.end(),
                  {"--duration", common::format_duration(duration + std::chrono::seconds(30))});
  const std::string input = value_of(run.condition, "input");
  if (input.empty()) c.server.insert(c.server.end(), {"--pattern", spec.pattern});
  c.client = {client_bin,    "--headless", "--duration",
              spec.duration, "--metrics",  dir + "/client.json"};
  if (rtsp) {
    c.client.push_back("rtsp://127.0.0.1:" + std::to_string(rtsp_port) + "/stream");
    c.client.insert(c.client.end(), {"--transport", transport.substr(5)});
  } else {
    c.client.push_back("127.0.0.1:" + std::to_string(port));
    c.client.insert(c.client.end(), {"--transport", transport});
  }
  for (const auto& axis : axes()) {
    const std::string name = axis.name;
    const std::string value = value_of(run.condition, name);
    if (value.empty() || name == "transport" || name == "input") continue;
    auto& argv = axis.target == Target::server ? c.server : c.client;
    if (name == "nack") {
      if (value == "on") argv.push_back("--nack");
      continue;
    }
    argv.insert(argv.end(), {"--" + name, value});
  }
  if (!input.empty()) {
    c.server.push_back(input);
    // The file streamed is the reference: the client measures PSNR and the
    // QoE score's picture term rests on it (docs/METRICS.md).
    c.client.insert(c.client.end(), {"--reference", input});
  }
  return c;
}

std::string shell_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    bool plain = !arg.empty();
    for (char ch : arg)
      if (!(isalnum(static_cast<unsigned char>(ch)) ||
            std::string("-_./:=@%,+").find(ch) != std::string::npos))
        plain = false;
    if (plain) {
      text += arg;
      continue;
    }
    text += '\'';
    for (char ch : arg) text += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    text += '\'';
  }
  return text;
}

}  // namespace flowcast::client::sweep
