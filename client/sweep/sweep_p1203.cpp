#include "client/sweep/sweep_p1203.hpp"

#include <cmath>

#include "common/util/units.hpp"

namespace flowcast::client::sweep {

std::optional<nlohmann::json> p1203_input(const nlohmann::json& m, const Condition& condition,
                                          const std::string& pattern) {
  using P = nlohmann::json::json_pointer;
  const auto bitrate =
      condition.count("bitrate") ? common::parse_rate(condition.at("bitrate")) : std::nullopt;
  const auto size = common::parse_pattern(pattern);
  if (!bitrate || !size || !m.contains(P("/startup_ms")) || !m.at(P("/startup_ms")).is_number())
    return std::nullopt;
  auto ms_at = [&](const char* at) {
    return m.contains(P(at)) && m.at(P(at)).is_number() ? m.at(P(at)).get<double>() : 0.0;
  };
  const std::string resolution = std::to_string(size->width) + "x" + std::to_string(size->height);
  const double played_s =
      (ms_at("/session/state_ms/playing") + ms_at("/session/state_ms/frozen")) / 1000;
  nlohmann::json segments = nlohmann::json::array();
  for (double start = 0; start < played_s - 1e-9; start += 1) {
    segments.push_back({{"start", start},
                        {"duration", std::min(1.0, played_s - start)},
                        {"bitrate", *bitrate / 1000.0},
                        {"codec", "h264"},
                        {"resolution", resolution},
                        {"fps", double(size->fps)}});
  }
  const double startup_ms = m.at(P("/startup_ms")).get<double>();
  nlohmann::json stalling = nlohmann::json::array();
  stalling.push_back({0.0, startup_ms / 1000});
  double stalled_ms = 0;
  if (m.contains(P("/stalls/events")) && m.at(P("/stalls/events")).is_array())
    for (const auto& event : m.at(P("/stalls/events"))) {
      const double start = event.value("start_ms", 0.0), length = event.value("duration_ms", 0.0);
      stalling.push_back({std::max(0.0, (start - startup_ms - stalled_ms) / 1000), length / 1000});
      stalled_ms += length;
    }
  return nlohmann::json{{"I13", {{"streamId", 1}, {"segments", segments}}},
                        {"I23", {{"streamId", 1}, {"stalling", stalling}}},
                        {"IGen", {{"device", "pc"}, {"displaySize", resolution}}}};
}

}  // namespace flowcast::client::sweep
