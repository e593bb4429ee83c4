#include "client/render/status_line.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>

namespace flowcast::client {

namespace {
std::string kib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fK", static_cast<double>(bytes) / 1024.0);
  return buf;
}
}  // namespace

std::string format_status(const PlaybackStatus& s) {
  std::string state = s.state;
  if (state == "BUFFERING") {
    state += ' ';
    state += std::to_string(s.buffering_percent);
    state += '%';
  }
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "%6.1fs %-13s %s/%s | buffer %5.0fms %6s | kernel %6s%s | stalls %llu (%.1fs) | "
      "lost %lld late %llu drop k/b %llu/%llu | corrupt %llu tainted %llu | "
      "latency %.0fms",
      s.t_s, state.c_str(), s.transport.c_str(), s.overflow.c_str(), s.buffer_ms,
      kib(s.buffer_bytes).c_str(), kib(s.kernel_bytes).c_str(), s.reader_busy ? " (not read)" : "",
      static_cast<unsigned long long>(s.stalls), s.stall_ms / 1000.0,
      static_cast<long long>(s.lost), static_cast<unsigned long long>(s.late),
      static_cast<unsigned long long>(s.dropped_kernel),
      static_cast<unsigned long long>(s.dropped_buffer), static_cast<unsigned long long>(s.corrupt),
      static_cast<unsigned long long>(s.tainted), s.latency_ms);
  if (s.psnr_db >= 0) {
    const size_t used = std::strlen(buf);
    std::snprintf(buf + used, sizeof buf - used, " | PSNR %.1f dB", s.psnr_db);
  }
  return buf;
}

std::string format_summary(const MetricsDocument& m) {
  auto num = [](std::optional<double> v, const char* fmt) {
    if (!v) return std::string("-");
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, *v);
    return std::string(buf);
  };
  std::string out;
  auto row = [&](const char* name, const std::string& value) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-22s %s\n", name, value.c_str());
    out += buf;
  };
  out += "flowcast-client summary (" + to_string(m.transport) + ", overflow " +
         to_string(m.config.overflow) + ")\n";
  row("duration", num(m.duration_ms, "%.0f ms"));
  row("startup", num(m.startup_ms, "%.0f ms"));
  row("stalls", std::to_string(m.stalls.count) + " (" + num(m.stalls.total_ms, "%.0f ms") + ")");
  row("rebuffering ratio", num(m.rebuffering_ratio, "%.3f"));
  row("packets received", std::to_string(m.packets.received));
  row("packets lost", std::to_string(m.packets.lost));
  row("dropped kernel/buffer", std::to_string(m.packets.dropped_kernel) + " / " +
                                   std::to_string(m.packets.dropped_overflow));
  row("frames rendered", std::to_string(m.frames.rendered));
  row("frames corrupt", std::to_string(m.frames.corrupt));
  row("frames tainted", std::to_string(m.frames.tainted));
  row("latency p50/p95", num(m.latency_ms.p50, "%.0f") + " / " + num(m.latency_ms.p95, "%.0f ms"));
  if (m.quality.comparison) {
    const QualityFigures& q = m.quality.figures;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s / %s dB, MOS %s", num(q.psnr_mean, "%.2f").c_str(),
                  num(q.psnr_min, "%.2f").c_str(), num(q.mos_mean, "%.2f").c_str());
    row("PSNR mean/min", buf);
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

void StatusLine::update(const PlaybackStatus& s, std::chrono::steady_clock::time_point now) {
  if (quiet_ || now < next_) return;
  next_ = now + (tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000));
  const std::string line = format_status(s);
  if (tty_) {
    std::fprintf(out_, "\r%s\x1b[K", line.c_str());
    drawn_ = true;
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void StatusLine::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace flowcast::client
