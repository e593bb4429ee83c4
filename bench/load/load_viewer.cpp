#include "bench/load/load_viewer.hpp"

#include <algorithm>

namespace flowcast::bench {

namespace {

double seconds_of(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

const char* state_name(ViewerState state) {
  switch (state) {
    case ViewerState::waiting:
      return "waiting";
    case ViewerState::handshaking:
      return "handshaking";
    case ViewerState::connecting:
      return "connecting";
    case ViewerState::joined:
    case ViewerState::ended:
      return "joined";
    case ViewerState::full:
      return "full";
    case ViewerState::timed_out:
      return "handshake_timeout";
    case ViewerState::failed:
      return "connect_failed";
  }
  return "waiting";
}

ViewerRow viewer_row(const LoadViewer& v, Clock::time_point start, Clock::time_point stop,
                     bool passive) {
  const auto ms_since_start = [start](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - start).count();
  };
  ViewerRow row;
  row.index = v.index;
  row.local_address = v.local_address;
  row.stalled = v.stalled;
  row.state = state_name(v.state);
  const auto& c = v.counter;
  if (v.joined_at) {
    row.joined_at_ms = ms_since_start(*v.joined_at);
    row.join_ms = std::chrono::duration<double, std::milli>(*v.joined_at - v.join_started).count();
  }
  row.ssrc = c.ssrc();
  row.packets_received = c.all().packets;
  row.bytes_received = c.all().bytes;
  if (c.all().packets > 0) {
    row.first_sequence = c.all().first;
    row.highest_sequence = c.all().highest;
  }
  row.packets_expected = c.all().expected();
  row.packets_lost = c.all().lost();
  if (v.joined_at) {
    const Clock::time_point window_end = v.ended_at.value_or(stop);
    const auto& m = c.measured();
    row.measured.start_ms = ms_since_start(c.measure_from());
    const double seconds = std::max(0.0, seconds_of(window_end - c.measure_from()));
    row.measured.duration_ms = seconds * 1000;
    row.measured.packets_received = m.packets;
    row.measured.bytes_received = m.bytes;
    row.measured.packets_expected = m.expected();
    row.measured.packets_lost = m.lost();
    row.measured.fraction_received =
        m.expected() > 0 ? static_cast<double>(m.packets) / static_cast<double>(m.expected()) : 0;
    row.measured.packets_per_s = seconds > 0 ? static_cast<double>(m.packets) / seconds : 0;
    row.measured.frames_per_s = seconds > 0 ? static_cast<double>(m.frames) / seconds : 0;
  }
  row.sender_reports_received = c.sender_reports();
  row.receiver_reports_sent = v.receiver_reports;
  row.other_ssrc_packets = c.other_ssrc_packets();
  row.malformed = c.malformed();
  row.dropped_kernel = v.dropped_kernel;
  row.ended_by_server = v.ended_by_server;
  if (const auto heard = c.last_heard()) row.last_heard_ms = ms_since_start(*heard);
  if (v.joined_at && v.end_reason == "left" && !v.stalled && !passive) {
    const auto heard = c.last_heard().value_or(*v.joined_at);
    row.went_silent = stop - heard > kViewerSilence && stop - *v.joined_at > kViewerSilence;
  }
  if (v.ended_at) {
    row.ended_at_ms = ms_since_start(*v.ended_at);
    row.end_reason = v.end_reason;
  }
  return row;
}

}  // namespace flowcast::bench
