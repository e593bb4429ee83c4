#include "client/render/status_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <utility>
#include <vector>

namespace flowcast::client {

namespace {

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string kib(uint64_t bytes) {
  return format("%.0fK", static_cast<double>(bytes) / 1024.0);
}

using ull = unsigned long long;

// One field of the status line: its long and compact forms, and how much it
// matters when the terminal is too narrow for all of them (higher stays).
struct Field {
  std::string full;
  std::string brief;
  int keep = 0;
};

}  // namespace

std::string PlaybackStatus::state_text() const {
  std::string name = to_string(state);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  switch (state) {
    case SessionState::joining:
    case SessionState::rebuffering:
      return name + " " + std::to_string(buffering_percent) + "%";
    case SessionState::waiting:
      return name + " for RTP on UDP port " + std::to_string(waiting_port);
    case SessionState::frozen:
      return format("FROZEN %.1fs", frozen_ms / 1000.0);
    case SessionState::playing:
      return damaged_now ? name + " damaged" : name;
    case SessionState::ended:
      break;
  }
  return name;
}

std::string format_status(const PlaybackStatus& s, size_t width) {
  std::vector<Field> fields;
  const std::string state = s.state_text();
  fields.push_back({format("%6.1fs", s.t_s), format("%.0fs", s.t_s), 100});
  fields.push_back({format("%-16s", state.c_str()), state, 99});
  fields.push_back({s.transport + "/" + s.overflow, s.transport, 20});
  fields.push_back({format("| buffer %5.0fms %5s", s.buffer_ms, kib(s.buffer_bytes).c_str()),
                    format("| buf %.0fms", s.buffer_ms), 60});
  fields.push_back(
      {format("| kernel %5s%s", kib(s.kernel_bytes).c_str(), s.reader_busy ? " (not read)" : ""),
       format("| k %s%s", kib(s.kernel_bytes).c_str(), s.reader_busy ? " unread" : ""),
       s.reader_busy ? 75 : 30});
  // "stalls 2 (1.5s)", or "stalls 0".
  auto events = [](const char* name, uint64_t count, double ms) {
    return count ? format("%s %llu (%.1fs)", name, static_cast<ull>(count), ms / 1000.0)
                 : format("%s 0", name);
  };
  fields.push_back({"| " + events("stalls", s.stalls, s.stall_ms),
                    format("| stalls %llu", static_cast<ull>(s.stalls)), 90});
  fields.push_back({events("freezes", s.freezes, s.freeze_ms),
                    format("freezes %llu", static_cast<ull>(s.freezes)), 85});
  fields.push_back({format("| lost %lld (%.1f%%) late %llu", static_cast<long long>(s.lost),
                           s.loss_percent(), static_cast<ull>(s.late)),
                    format("| lost %.1f%%", s.loss_percent()), 80});
  fields.push_back({format("drop k/b %llu/%llu", static_cast<ull>(s.dropped_kernel),
                           static_cast<ull>(s.dropped_buffer)),
                    format("drop %llu", static_cast<ull>(s.dropped_kernel + s.dropped_buffer)),
                    s.dropped_kernel + s.dropped_buffer ? 45 : 10});
  fields.push_back(
      {format("| damaged %llu (corrupt %llu, tainted %llu)", static_cast<ull>(s.damaged),
              static_cast<ull>(s.corrupt), static_cast<ull>(s.tainted)),
       format("| damaged %llu", static_cast<ull>(s.damaged)), 65});
  // Pictures decoded and not shown belong beside the damaged ones.
  fields.push_back({format("dropped late %llu", static_cast<ull>(s.dropped_late)),
                    format("late-drop %llu", static_cast<ull>(s.dropped_late)),
                    s.dropped_late ? 62 : 5});
  fields.push_back({s.latency_ms ? format("| latency %.0fms", *s.latency_ms) : "| latency n/a",
                    s.latency_ms ? format("| lat %.0fms", *s.latency_ms) : "| lat n/a", 40});
  if (s.audio)
    fields.push_back({s.av_offset_ms ? format("| A-V %+.0fms", *s.av_offset_ms) : "| A-V n/a",
                      s.av_offset_ms ? format("| A-V %+.0f", *s.av_offset_ms) : "| A-V n/a", 35});
  if (s.psnr_db >= 0)
    fields.push_back({format("| PSNR %.1f dB", s.psnr_db), format("| %.0fdB", s.psnr_db), 15});

  auto join = [&](bool brief, const std::vector<bool>& shown) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!shown[i]) continue;
      if (!line.empty()) line += ' ';
      line += brief ? fields[i].brief : fields[i].full;
    }
    return line;
  };
  // Leaves out the least important field still shown, of those below
  // `below`; false when there is none.
  auto drop_one = [&](std::vector<bool>& shown, int below) {
    size_t drop = fields.size();
    for (size_t i = 0; i < fields.size(); ++i)
      if (shown[i] && fields[i].keep < below &&
          (drop == fields.size() || fields[i].keep < fields[drop].keep))
        drop = i;
    if (drop == fields.size()) return false;
    shown[drop] = false;
    return true;
  };
  std::vector<bool> shown(fields.size(), true);
  std::string line = join(false, shown);
  if (width == 0 || line.size() <= width) return line;
  // The long form without the minor fields (drops when there are none,
  // PSNR, the transport, an idle kernel buffer) ...
  while (line.size() > width && drop_one(shown, 35)) line = join(false, shown);
  if (line.size() <= width) return line;
  // ... else the compact form, leaving out what matters least until it fits.
  std::fill(shown.begin(), shown.end(), true);
  line = join(true, shown);
  while (line.size() > width && drop_one(shown, 99)) line = join(true, shown);
  if (line.size() > width) line.resize(width);
  return line;
}

std::string format_summary(const MetricsDocument& m) {
  auto num = [](std::optional<double> v, const char* fmt) {
    if (!v) return std::string("-");
    return format(fmt, *v);
  };
  std::string out;
  auto row = [&](const char* name, const std::string& value) {
    out += format("  %-22s %s\n", name, value.c_str());
  };
  const SessionFigures& session = m.session;
  out += "flowcast-client summary (" + to_string(m.transport) + ", overflow " +
         to_string(m.config.overflow) + ")\n";
  if (session.start_failure) {
    // CTA-2066's names for a session that showed no picture.
    const bool failure = *session.start_failure == StartFailure::video_start_failure;
    row("session", std::string(failure ? "VIDEO START FAILURE" : "EXIT BEFORE VIDEO START") + " (" +
                       to_string(session.ended_by) + ")");
  } else {
    row("session", "ended by " + to_string(session.ended_by));
  }
  row("duration", num(m.duration_ms, "%.0f ms"));
  const bool listen = session.protocol == "listen";
  row("startup", m.startup_ms ? num(m.startup_ms, "%.0f ms") + (listen ? " (from 1st packet)" : "")
                              : "- (no picture shown)");
  const StateTimes& t = session.state_ms;
  row("joining / playing", format("%.0f / %.0f ms", t.joining, t.playing));
  row("rebuffering / frozen", format("%.0f / %.0f ms", t.rebuffering, t.frozen));
  if (t.ended > 0) row("ended, waiting", format("%.0f ms (the stream had ended)", t.ended));
  if (t.waiting > 0) row("waiting for sender", format("%.0f ms", t.waiting));
  row("stalls", std::to_string(m.stalls.count) + " (" + num(m.stalls.total_ms, "%.0f ms") + ")");
  row("rebuffering ratio",
      m.rebuffering_ratio ? num(m.rebuffering_ratio, "%.3f") : "- (no picture shown)");
  row("freezes", std::to_string(m.freezes.count) + " (" + num(m.freezes.total_ms, "%.0f ms") + ")");
  row("packets received", std::to_string(m.packets.received));
  const double expected = static_cast<double>(m.packets.received) +
                          static_cast<double>(std::max<int64_t>(0, m.packets.lost));
  row("packets lost",
      std::to_string(m.packets.lost) +
          format(" (%.1f%%)", expected > 0 ? 100.0 * m.packets.lost / expected : 0.0));
  row("dropped kernel/buffer", std::to_string(m.packets.dropped_kernel) + " / " +
                                   std::to_string(m.packets.dropped_overflow));
  row("frames rendered", std::to_string(m.frames.rendered));
  row("frames damaged", std::to_string(m.frames.damaged) + " (corrupt " +
                            std::to_string(m.frames.rendered_corrupt) + ", tainted " +
                            std::to_string(m.frames.tainted) + ")");
  if (m.frames.skipped)
    row("frames skipped", std::to_string(m.frames.skipped) + " (--on-loss freeze)");
  if (m.frames.dropped_late)
    row("frames dropped late",
        std::to_string(m.frames.dropped_late) + " (decoded, the next picture was already due)");
  if (m.frames.sent || m.frames.accounted) {
    // Frame conservation: where every picture the sender sent went, each
    // bucket that is not empty.
    const FrameCounts& f = m.frames;
    std::string where;
    for (const auto& [name, n] : std::initializer_list<std::pair<const char*, uint64_t>>{
             {"shown clean", f.rendered_clean},
             {"shown damaged", f.damaged},
             {"skipped", f.skipped},
             {"dropped late", f.dropped_late},
             {"dropped by the buffer", f.dropped_buffer},
             {"lost", f.lost},
             {"undecodable", f.undecodable},
             {"not yet shown at exit", f.pending}}) {
      if (!n) continue;
      where += where.empty() ? ": " : ", ";
      where += name;
      where += ' ';
      where += std::to_string(n);
    }
    if (f.accounted != f.sent)
      where += format(" (%lld unaccounted)",
                      static_cast<long long>(f.sent) - static_cast<long long>(f.accounted));
    row("pictures sent", std::to_string(f.sent) + where);
  }
  row("latency p50/p95",
      m.latency_ms.p50 ? num(m.latency_ms.p50, "%.0f") + " / " + num(m.latency_ms.p95, "%.0f ms")
                       : "n/a (no send time in the RTP)");
  if (m.quality.comparison) {
    const QualityFigures& q = m.quality.figures;
    row("PSNR mean/min", num(q.psnr_mean, "%.2f") + " / " + num(q.psnr_min, "%.2f") + " dB, MOS " +
                             num(q.mos_mean, "%.2f"));
  }
  if (m.qoe.score) {
    // flowcast's open score (docs/METRICS.md "QoE score") and its two terms.
    const QoeFigures& q = m.qoe;
    row("QoE score", format("%.2f of 5 (stalls %.2f, picture %.2f from ", *q.score, *q.stall_mos,
                            *q.picture_mos) +
                         (q.picture_basis == "psnr"
                              ? std::string("PSNR")
                              : format("%.1f%% damaged", 100.0 * q.damaged_share.value_or(0))) +
                         ")");
  }
  if (!m.snapshots.empty()) {
    std::string where = std::to_string(m.snapshots.size());
    where += " PNG in ";
    where += std::filesystem::path(m.snapshots.front().file).parent_path().string();
    row("snapshots", where);
  }
  return out;
}

StatusLine::StatusLine(FILE* out, bool tty, bool quiet) : out_(out), tty_(tty), quiet_(quiet) {}

size_t StatusLine::width() const {
  winsize ws{};
  if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int n = std::atoi(columns);
    if (n > 0) return static_cast<size_t>(n);
  }
  return 80;
}

void StatusLine::update(const PlaybackStatus& s, std::chrono::steady_clock::time_point now) {
  // A log (not a terminal) keeps no line but its own: a state that lasted
  // less than a second would be missing from it.
  const bool state_changed = !tty_ && s.state != printed_state_;
  if (quiet_ || (now < next_ && !state_changed)) return;
  printed_state_ = s.state;
  next_ = now + (tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000));
  if (tty_) {
    // One column short of the width: a line that fills the last column
    // wraps on some terminals.
    const std::string line = format_status(s, std::max<size_t>(20, width() - 1));
    std::fprintf(out_, "\r%s\x1b[K", line.c_str());
    drawn_ = true;
  } else {
    std::fprintf(out_, "%s\n", format_status(s).c_str());
  }
  std::fflush(out_);
}

void StatusLine::note(const std::string& message) {
  if (quiet_) return;
  std::fprintf(out_, "%s%s\n", drawn_ ? "\r\x1b[K" : "", message.c_str());
  std::fflush(out_);
}

void StatusLine::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace flowcast::client
