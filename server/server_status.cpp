// What the Server tells its operator and its metrics: the log line, the
// status line every second (every 5 s when stderr is not a terminal), the
// warning when the live encoder cannot keep up, and the metrics snapshot.
// The rest of Server (its sources, admission, sessions and shutdown) is in
// server.cpp.
#include <cstdio>

#include "server/server.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

void Server::log(const std::string& line) const {
  if (options_.quiet) return;
  // On a terminal, the status line is redrawn in place: clear it first.
  std::fprintf(stderr, "%sflowcast-server: %s\n", tty_ ? "\r\x1b[K" : "", line.c_str());
}

void Server::schedule_status() {
  if (options_.quiet) return;
  status_timer_.expires_after(std::chrono::seconds(1));
  status_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    print_status();
    schedule_status();
  });
}

void Server::warn_if_encoder_behind() {
  if (encoder_warned_) return;
  const auto e = source_->encoder();
  if (!e || !e->behind_fps) return;
  encoder_warned_ = true;
  const media::PayloadFormat& format = *source_->description().video().format;
  const media::PayloadFormat& fastest = media::preferred_payload_format();
  const std::string other =
      &format == &fastest ? "" : ", or use --codec " + std::string(fastest.option_name);
  char text[400];
  std::snprintf(text, sizeof text,
                "the %s encoder cannot keep up with the %dx%d@%d pattern: %.1f of %d pictures a "
                "second over %d s (%.0f ms a picture, against %.0f ms; %s preset %s); "
                "viewers get fewer pictures. Lower --pattern%s",
                std::string(format.display_name).c_str(), options_.width, options_.height,
                options_.fps, *e->behind_fps, options_.fps, EncoderMeter::kBehindSeconds,
                e->last_second_picture_ms, 1000.0 / options_.fps,
                std::string(format.encoder.name).c_str(), e->run.preset.c_str(), other.c_str());
  log(text);
}

void Server::print_status() {
  ++status_tick_;
  // On a terminal, one line redrawn every second; elsewhere every 5 s.
  warn_if_encoder_behind();
  if (!tty_ && status_tick_ % 5 != 0) return;
  const double seconds = tty_ ? 1.0 : 5.0;
  // The server's load first: what every session's service depends on.
  const LoadMetrics load = load_.metrics();
  char head[200];
  std::snprintf(head, sizeof head,
                "%zu session%s, %.1f Mbit/s out, network thread %.0f%% busy, %.0f ms behind%s",
                sessions_.size(), sessions_.size() == 1 ? "" : "s", load_.egress_bps() / 1e6,
                load_.busy() * 100, load_.lag_ms(), load_.overloaded() ? " OVERLOADED" : "");
  std::string tail;
  if (const auto e = source_->encoder()) {
    // The live encoder is the other half of the server's load.
    char encoder[120];
    std::snprintf(
        encoder, sizeof encoder, ", %s encoder %.0f/%.0f pictures/s, %.0f ms each%s",
        std::string(source_->description().video().format->display_name).c_str(),
        e->last_second_fps, e->run.target_fps, e->last_second_picture_ms,
        encoder_warned_ && e->last_second_fps < EncoderMeter::kBehindShare * e->run.target_fps
            ? " BEHIND"
            : "");
    tail += encoder;
  }
  if (load.frames_skipped > 0)
    tail += ", skipped " + std::to_string(load.frames_skipped) + " frames";
  if (load.refused > 0) tail += ", refused " + std::to_string(load.refused) + " at capacity";
  std::string line;
  // Past a few sessions, the load says it all; each session's line would not fit.
  const bool each = sessions_.size() <= kStatusSessions;
  for (const auto& s : sessions_) {
    const auto& st = s->stats();
    const uint64_t before = last_bytes_[st.id];
    last_bytes_[st.id] = st.bytes_sent;
    if (!each) continue;
    char buf[200];
    std::snprintf(
        buf, sizeof buf, "#%llu %s %.2f Mbit/s queue %.0fK held %.1fs%s",
        static_cast<unsigned long long>(st.id), to_string(st.transport).c_str(),
        static_cast<double>(st.bytes_sent - before) * 8 / seconds / 1e6,
        static_cast<double>(s->queued_bytes()) / 1024.0,
        (st.held_back_ms + st.rwnd_limited_ms) / 1000.0,
        st.link.dropped_queue + st.link.dropped_loss > 0
            ? (" link drops " + std::to_string(st.link.dropped_queue + st.link.dropped_loss))
                  .c_str()
            : "");
    if (tty_) {
      line += (line.empty() ? "" : " | ") + std::string(buf);
    } else {
      std::fprintf(stderr, "flowcast-server: session %s\n", buf);
    }
  }
  if (tty_) {
    if (sessions_.empty()) line = "waiting for clients";
    std::fprintf(stderr, "\r\x1b[K%s%s%s%s", head, tail.c_str(), line.empty() ? "" : ": ",
                 line.c_str());
  } else if (!sessions_.empty() || load.refused > 0) {
    std::fprintf(stderr, "flowcast-server: %s%s\n", head, tail.c_str());
  }
  std::fflush(stderr);
}

ServerMetrics Server::metrics() const {
  ServerMetrics m;
  m.source = options_.input ? *options_.input : "pattern";
  m.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  m.refused_full = refused_full_;
  m.keyframes = {keyframes_.requests(), keyframes_.forced(), keyframes_.coalesced()};
  m.udp_stray_datagrams = udp_ ? udp_->stray_datagrams() : 0;
  m.link_config = LinkConfigMetrics::of(options_.link);
  if (rtsp_) m.rtsp = rtsp_->counters();
  m.load = load_.metrics();
  if (const auto e = source_->encoder()) m.load.encoder = e->run;
  for (const auto& st : finished_) m.add(st);
  for (const auto& s : sessions_) m.add(s->stats_now());
  return m;
}
}  // namespace flowcast::server
