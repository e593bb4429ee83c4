// follow_audio_stalls: the session's (the video's) clock follows the audio's
// stalls, with time points built by hand and the video's PlayoutPolicy
// deciding on a buffer state given as a value, so nothing waits on a real
// clock.
#include <catch2/catch.hpp>
#include <chrono>

#include "client/audio/stall_follower.hpp"
#include "client/playout/playout_policy.hpp"

using namespace flowcast::client;
using namespace std::chrono_literals;
using std::chrono::microseconds;
using Action = PlayoutDecision::Action;

namespace {

const SteadyTime t0 = SteadyTime{} + 1000s;
constexpr int64_t kFirst = 900000;  // both media's first timestamp (90 kHz)
constexpr int64_t kSecond = 90000;

// The video's buffer, holding plenty from `front` seconds of media on.
BufferState video_holding(int64_t front_s) {
  BufferState b;
  b.empty = false;
  b.front_complete = true;
  b.has_later_data = true;
  b.front_timestamp = kFirst + front_s * kSecond;
  b.buffered = 2s;
  return b;
}

struct Clocks {
  PlayoutClock video;
  PlayoutClock audio;
  PlayoutPolicy video_policy{PlayoutConfig{500ms, 500ms, 150ms}, video};
  Clocks() {
    video.start(t0, kFirst);
    audio.start(t0, kFirst);
  }
};

}  // namespace

TEST_CASE(
    "an audio underrun while the video could go on stalls the session until the sound is back",
    "[unit][audio][stall_follower]") {
  Clocks c;
  // The sound due at t0 + 2 s is missing: the audio's stall, seen 20 ms on.
  c.audio.begin_stall(t0 + 2s, kCauseUnderrun);
  CHECK_FALSE(follow_audio_stalls(c.video, c.audio, t0 + 2020ms, false, true));
  REQUIRE(c.video.state() == PlayState::stalled);
  CHECK(c.video.held());
  const auto stalls = c.video.stalls();
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].cause == "audio_underrun");
  CHECK(stalls[0].start == t0 + 2s);  // from the audio stall's start
  // The video's media is there, yet it waits for the sound.
  const auto d = c.video_policy.decide(video_holding(2), t0 + 2500ms);
  CHECK(d.action == Action::wait);
  CHECK(c.video.state() == PlayState::stalled);
  // Still stalled: a later pass changes nothing, and starts no second stall.
  CHECK_FALSE(follow_audio_stalls(c.video, c.audio, t0 + 2600ms, false, true));
  CHECK(c.video.stall_count() == 1);

  // The sound is back at t0 + 3 s: the audio's base moved by its 1 s stall.
  REQUIRE(c.audio.resume_for(t0 + 3s, kFirst + 2 * kSecond));
  REQUIRE(c.audio.stalls().back().shift == 1s);
  // The loop sees it 10 ms later: the video's base moves as the audio's did,
  // so the two stay aligned.
  CHECK(follow_audio_stalls(c.video, c.audio, t0 + 3010ms, false, true));
  CHECK(c.video.state() == PlayState::playing);
  CHECK_FALSE(c.video.held());
  CHECK(*c.video.due(kFirst + 2 * kSecond) == *c.audio.due(kFirst + 2 * kSecond));
  CHECK(*c.video.due(kFirst + 2 * kSecond) == t0 + 3s);
  const StallEvent ended = c.video.stalls().back();
  CHECK(ended.duration == 1010ms);
  CHECK(ended.shift == 1s);
  // Its time is the session's rebuffering, not play time.
  CHECK(c.video.stall_time(t0 + 5s) == 1010ms);
  CHECK(c.video.play_time(t0 + 5s) == 5s - 1010ms);
  CHECK(rebuffering_ratio(c.video.play_time(t0 + 5s), c.video.stall_time(t0 + 5s)) ==
        Approx(0.202));
  // And the video's decode goes on.
  CHECK(c.video_policy.decide(video_holding(2), t0 + 3010ms).action == Action::take_complete);
}

TEST_CASE("when both media run dry together the session has one stall, the video's underrun",
          "[unit][audio][stall_follower]") {
  SECTION("the sound runs dry first, the video has nothing either") {
    Clocks c;
    c.audio.begin_stall(t0 + 2s, kCauseUnderrun);
    follow_audio_stalls(c.video, c.audio, t0 + 2020ms, false, /*video_has_media=*/false);
    REQUIRE(c.video.stall_count() == 1);
    CHECK(c.video.stalls()[0].cause == "underrun");
    CHECK(c.video.held());
  }
  SECTION("the video stalls first, then the sound") {
    Clocks c;
    c.video.begin_stall(t0 + 2s, kCauseUnderrun);
    CHECK_FALSE(c.video.held());
    c.audio.begin_stall(t0 + 2100ms, kCauseUnderrun);
    follow_audio_stalls(c.video, c.audio, t0 + 2120ms, false, false);
    // The same stall, now held: the video's media alone does not end it.
    CHECK(c.video.stall_count() == 1);
    CHECK(c.video.held());
    CHECK(c.video_policy.decide(video_holding(2), t0 + 2500ms).action == Action::wait);
    CHECK(c.video.state() == PlayState::stalled);
    // The sound is back: the video follows it, and its one stall was an underrun.
    REQUIRE(c.audio.resume_for(t0 + 3s, kFirst + 2 * kSecond + 9000));
    CHECK(follow_audio_stalls(c.video, c.audio, t0 + 3s, false, true));
    CHECK(c.video.state() == PlayState::playing);
    const auto stalls = c.video.stalls();
    REQUIRE(stalls.size() == 1);
    CHECK(stalls[0].cause == "underrun");
    CHECK(stalls[0].duration == 1s);
    // The audio's base moved 900 ms: so did the video's.
    CHECK(stalls[0].shift == 900ms);
  }
}

TEST_CASE("with the sound back and no video, the video's own rule ends the stall",
          "[unit][audio][stall_follower]") {
  Clocks c;
  c.audio.begin_stall(t0 + 2s, kCauseUnderrun);
  follow_audio_stalls(c.video, c.audio, t0 + 2020ms, false, true);
  REQUIRE(c.audio.resume_for(t0 + 2500ms, kFirst + 2 * kSecond));
  // No video to go on with: the hold is lifted, the stall goes on.
  CHECK(follow_audio_stalls(c.video, c.audio, t0 + 2510ms, false, false));
  CHECK(c.video.state() == PlayState::stalled);
  CHECK_FALSE(c.video.held());
  // Its --rebuffer of video arrives: the policy resumes it.
  CHECK(c.video_policy.decide(video_holding(2), t0 + 2800ms).action == Action::take_complete);
  CHECK(c.video.state() == PlayState::playing);
  CHECK(c.video.stalls()[0].duration == 800ms);
}

TEST_CASE("an audio stall that its stream's end cuts short holds the video no longer",
          "[unit][audio][stall_follower]") {
  Clocks c;
  c.audio.begin_stall(t0 + 2s, kCauseUnderrun);
  follow_audio_stalls(c.video, c.audio, t0 + 2020ms, false, true);
  REQUIRE(c.video.held());
  // The audio's stream ended (its BYE): nothing more will come to wait for.
  CHECK(follow_audio_stalls(c.video, c.audio, t0 + 2200ms, true, true));
  CHECK_FALSE(c.video.held());
  CHECK(c.video_policy.decide(video_holding(2), t0 + 2200ms).action == Action::take_complete);
  CHECK(c.video.state() == PlayState::playing);
  // And an ended audio that stalls starts no stall of the video.
  c.audio.resume(t0 + 2300ms);
  c.audio.begin_stall(t0 + 3s, kCauseUnderrun);
  CHECK_FALSE(follow_audio_stalls(c.video, c.audio, t0 + 3020ms, true, true));
  CHECK(c.video.state() == PlayState::playing);
  CHECK(c.video.stall_count() == 1);
}

TEST_CASE("the audio's startup is no stall of the video", "[unit][audio][stall_follower]") {
  PlayoutClock video;
  PlayoutClock audio;
  video.start(t0, kFirst);
  CHECK_FALSE(follow_audio_stalls(video, audio, t0 + 1s, false, true));
  CHECK(video.state() == PlayState::playing);
  CHECK(video.stall_count() == 0);
}

TEST_CASE("PlayoutClock: a held stall ends only by resume_by or once freed",
          "[unit][playout_clock]") {
  PlayoutClock clock;
  clock.start(t0, kFirst);
  clock.begin_stall(t0 + 1s, kCauseUnderrun, /*held=*/true);
  CHECK(clock.held());
  CHECK_FALSE(clock.resume(t0 + 2s));
  CHECK_FALSE(clock.resume_for(t0 + 2s, kFirst + kSecond));
  CHECK(clock.state() == PlayState::stalled);
  clock.resume_by(t0 + 2s, -5ms);  // never backwards
  CHECK(clock.state() == PlayState::playing);
  CHECK(clock.stalls().back().shift == microseconds(0));
  CHECK(clock.stalls().back().duration == 1s);
  CHECK(*clock.due(kFirst + kSecond) == t0 + 1s);
  // hold() outside a stall does nothing.
  clock.hold();
  CHECK_FALSE(clock.held());
}
