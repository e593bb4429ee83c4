#include "client/metrics/session_accounting.hpp"

#include <algorithm>

namespace flowcast::client {

namespace {

double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Time of `a` that lies inside any of `bs` (which do not overlap each other).
std::chrono::steady_clock::duration overlap(const TimeInterval& a,
                                            const std::vector<TimeInterval>& bs) {
  std::chrono::steady_clock::duration total{0};
  for (const auto& b : bs) {
    const auto from = std::max(a.start, b.start);
    const auto to = std::min(a.end, b.end);
    if (to > from) total += to - from;
  }
  return total;
}

}  // namespace

SessionOutcome account_session(const SessionRecord& r) {
  SessionOutcome out;
  SessionFigures& s = out.session;
  s.protocol = r.protocol;
  s.ended_by = r.ended_by;
  const double duration = std::max(0.0, ms(r.finished - r.launched));
  const double waiting =
      r.joining_from ? std::clamp(ms(*r.joining_from - r.launched), 0.0, duration) : 0.0;
  s.state_ms.waiting = waiting;
  if (!r.first_picture) {
    s.video_started = false;
    s.start_failure = is_stream_end(r.ended_by) ? StartFailure::video_start_failure
                                                : StartFailure::exit_before_video_start;
    s.state_ms.joining = duration - waiting;
    return out;
  }
  s.video_started = true;
  s.start_failure.reset();
  out.startup_ms = ms(*r.first_picture - r.joining_from.value_or(r.launched));
  s.state_ms.joining = std::clamp(*out.startup_ms, 0.0, duration - waiting);

  // Which stalls are waits for a stream that had already ended.
  std::vector<TimeInterval> counted, waited;
  for (size_t i = 0; i < r.stalls.size(); ++i) {
    const TimeInterval& st = r.stalls[i];
    const bool waited_for_end = is_stream_end(r.ended_by) && r.stream_end_seen &&
                                st.start <= *r.stream_end_seen &&
                                st.end + kStreamEndTolerance >= *r.stream_end_seen;
    if (waited_for_end) {
      waited.push_back(st);
    } else {
      counted.push_back(st);
      out.counted_stalls.push_back(i);
    }
  }
  double stall_ms = 0, waiting_ms = 0;
  for (const auto& st : counted) stall_ms += ms(st.end - st.start);
  for (const auto& st : waited) waiting_ms += ms(st.end - st.start);
  out.stall_ms = stall_ms;
  const double play_ms = ms(r.play_time);
  out.rebuffering_ratio = play_ms + stall_ms > 0 ? stall_ms / (play_ms + stall_ms) : 0.0;

  // Frozen: freezes that no stall caused. A stall's freeze begins with the
  // last picture before it and ends with the first after it, a frame or so
  // either side of the stall: all of it is the stall's.
  std::vector<TimeInterval> all_stalls = counted;
  all_stalls.insert(all_stalls.end(), waited.begin(), waited.end());
  double frozen_ms = 0;
  for (const auto& f : r.freezes)
    if (overlap(f, all_stalls) == std::chrono::steady_clock::duration::zero())
      frozen_ms += ms(f.end - f.start);

  StateTimes& t = s.state_ms;
  t.ended = waiting_ms;
  t.rebuffering = stall_ms;
  t.frozen = frozen_ms;
  t.playing = std::max(0.0, duration - t.waiting - t.joining - t.ended - t.rebuffering - t.frozen);
  return out;
}

}  // namespace flowcast::client
