// account_session: the session's outcome at every edge (DESIGN.md "Sessions
// and their states"), with time points built by hand.
#include <catch2/catch.hpp>

#include "client/metrics/session_accounting.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;

namespace {

const SteadyTime t0{};

SteadyTime at(std::chrono::milliseconds ms) {
  return t0 + ms;
}

// A session that showed its first picture at 500 ms and played to `end`.
SessionRecord played_until(std::chrono::milliseconds end) {
  SessionRecord r;
  r.launched = t0;
  r.finished = at(end);
  r.first_picture = at(500ms);
  r.play_time = std::chrono::duration_cast<std::chrono::microseconds>(end - 450ms);
  return r;
}

double sum(const StateTimes& t) {
  return t.waiting + t.joining + t.playing + t.rebuffering + t.frozen + t.ended;
}

}  // namespace

TEST_CASE("a clean run that ends in silence has no stall and ratio 0", "[unit][session]") {
  // 20 s of pictures, then the sender stopped without a BYE: the player
  // waited 5 s until silence ended the stream.
  SessionRecord r = played_until(25000ms);
  r.stalls = {{at(20033ms), at(25000ms)}};
  r.play_time = 20000ms - 450ms;
  r.stream_end_seen = at(25000ms);
  r.ended_by = EndedBy::silence;
  const SessionOutcome out = account_session(r);
  CHECK(out.counted_stalls.empty());
  CHECK(out.stall_ms == 0);
  REQUIRE(out.rebuffering_ratio);
  CHECK(*out.rebuffering_ratio == 0.0);
  CHECK(out.session.video_started);
  CHECK_FALSE(out.session.start_failure);
  CHECK(out.session.state_ms.rebuffering == 0);
  CHECK(out.session.state_ms.ended == Approx(4967));
  CHECK(sum(out.session.state_ms) == Approx(25000));
}

TEST_CASE("a stall the end of the stream closed is the wait for that end", "[unit][session]") {
  // A BYE arrived during the stall; the player resumed for the last frames.
  for (EndedBy by : {EndedBy::bye, EndedBy::closed, EndedBy::error}) {
    SessionRecord r = played_until(10000ms);
    r.stalls = {{at(3000ms), at(4000ms)}, {at(8000ms), at(9510ms)}};
    r.stream_end_seen = at(9500ms);
    r.ended_by = by;
    const SessionOutcome out = account_session(r);
    INFO(to_string(by));
    REQUIRE(out.counted_stalls == std::vector<size_t>{0});
    CHECK(out.stall_ms == Approx(1000));
    CHECK(out.session.state_ms.rebuffering == Approx(1000));
    CHECK(out.session.state_ms.ended == Approx(1510));
    CHECK(sum(out.session.state_ms) == Approx(10000));
  }
}

TEST_CASE("a stall in progress when the viewer leaves is a stall", "[unit][session]") {
  // ExoPlayer: abandoning during rebuffering is rebuffering.
  for (EndedBy by : {EndedBy::user, EndedBy::duration, EndedBy::signal}) {
    SessionRecord r = played_until(10000ms);
    r.stalls = {{at(8000ms), at(10000ms)}};
    r.play_time = 8000ms - 450ms;
    r.ended_by = by;
    const SessionOutcome out = account_session(r);
    INFO(to_string(by));
    CHECK(out.counted_stalls.size() == 1);
    CHECK(out.stall_ms == Approx(2000));
    REQUIRE(out.rebuffering_ratio);
    CHECK(*out.rebuffering_ratio == Approx(2000.0 / (7550 + 2000)));
    CHECK(out.session.state_ms.ended == 0);
  }
}

TEST_CASE("a session without a picture is a start failure or an exit before start",
          "[unit][session]") {
  SessionRecord r;
  r.launched = t0;
  r.finished = at(4000ms);
  SECTION("the stream or an error ended it: video start failure") {
    for (EndedBy by : {EndedBy::bye, EndedBy::closed, EndedBy::silence, EndedBy::error}) {
      r.ended_by = by;
      const SessionOutcome out = account_session(r);
      INFO(to_string(by));
      REQUIRE(out.session.start_failure);
      CHECK(*out.session.start_failure == StartFailure::video_start_failure);
      CHECK_FALSE(out.session.video_started);
      CHECK_FALSE(out.startup_ms);
      CHECK_FALSE(out.rebuffering_ratio);
      CHECK(out.session.state_ms.joining == Approx(4000));
      CHECK(out.session.state_ms.playing == 0);
    }
  }
  SECTION("the viewer ended it: exit before video start") {
    for (EndedBy by : {EndedBy::user, EndedBy::duration, EndedBy::signal}) {
      r.ended_by = by;
      const SessionOutcome out = account_session(r);
      INFO(to_string(by));
      REQUIRE(out.session.start_failure);
      CHECK(*out.session.start_failure == StartFailure::exit_before_video_start);
      CHECK_FALSE(out.rebuffering_ratio);
    }
  }
}

TEST_CASE("a freeze no stall caused is frozen time, a stall's freeze is rebuffering",
          "[unit][session]") {
  SessionRecord r = played_until(10000ms);
  r.ended_by = EndedBy::duration;
  r.stalls = {{at(6000ms), at(7000ms)}};
  r.play_time = 9000ms - 450ms;
  // A 1.2 s freeze by the loss policy, and the freeze the stall caused.
  r.freezes = {{at(2000ms), at(3200ms)}, {at(5967ms), at(7033ms)}};
  const SessionOutcome out = account_session(r);
  // The stall's freeze, a frame longer than the stall either side, is the
  // stall's: only the loss policy's freeze is frozen time.
  CHECK(out.session.state_ms.frozen == Approx(1200));
  CHECK(out.session.state_ms.rebuffering == Approx(1000));
  CHECK(sum(out.session.state_ms) == Approx(10000));
}

TEST_CASE("listening: startup counts from the sender's first packet", "[unit][session]") {
  SessionRecord r = played_until(10000ms);
  r.protocol = "listen";
  r.joining_from = at(3000ms);  // the listener waited 3 s for ffmpeg
  r.first_picture = at(3600ms);
  r.ended_by = EndedBy::silence;
  const SessionOutcome out = account_session(r);
  REQUIRE(out.startup_ms);
  CHECK(*out.startup_ms == Approx(600));
  CHECK(out.session.state_ms.waiting == Approx(3000));
  CHECK(out.session.state_ms.joining == Approx(600));
  CHECK(out.session.protocol == "listen");
  CHECK(sum(out.session.state_ms) == Approx(10000));
}
