// The open QoE score (client/metrics/qoe_score) against values computed by
// hand from its published formulas (docs/METRICS.md "QoE score").
#include <catch2/catch.hpp>

#include "client/metrics/qoe_score.hpp"

using namespace flowcast::client;

TEST_CASE("the stall term is Hossfeld et al.'s exponential in number and length",
          "[unit][metrics][qoe]") {
  // 3.50 · exp(−(0.15 · L + 0.19) · N) + 1.50, L in seconds.
  CHECK(stall_mos(0, 0) == Approx(5.0));
  CHECK(stall_mos(0, 4000) == Approx(5.0));  // no interruption: its length is moot
  // N = 1, L = 2 s: 3.5 · e^−0.49 + 1.5 = 3.644192.
  CHECK(stall_mos(1, 2000) == Approx(3.644192).epsilon(1e-6));
  // N = 3, L = 1 s: 3.5 · e^−1.02 + 1.5 = 2.762082.
  CHECK(stall_mos(3, 1000) == Approx(2.762082).epsilon(1e-6));
  // Many interruptions: towards the model's floor, 1.5.
  CHECK(stall_mos(100, 1000) == Approx(1.5).margin(1e-6));
  CHECK(stall_mos(1, 500) > stall_mos(1, 5000));
}

TEST_CASE("the picture term weighs each compared picture by its time on screen",
          "[unit][metrics][qoe]") {
  // EvalVid classes: 40 dB → 5, 28 → 3, 15 → 1, 33 → 4. On screen 40, 80 and
  // 40 ms, the last one the median of those, 40 ms: (5·40 + 3·80 + 1·40 +
  // 4·40) / 200 = 3.2 (the unweighted mean would be 3.25).
  const std::vector<ComparedFrame> pictures = {{.t_ms = 0, .psnr = 40},
                                               {.t_ms = 40, .psnr = 28},
                                               {.t_ms = 120, .psnr = 15},
                                               {.t_ms = 160, .psnr = 33}};
  CHECK(*picture_mos_from_psnr(pictures, {}) == Approx(3.2));
  // In any order.
  const std::vector<ComparedFrame> shuffled = {pictures[2], pictures[0], pictures[3], pictures[1]};
  CHECK(*picture_mos_from_psnr(shuffled, {}) == Approx(3.2));
  // A stall of 60 ms inside the second picture's 80 ms leaves it 20 ms (the
  // stall term counts the stall): weights 40, 20, 40 and 40, so
  // (200 + 60 + 40 + 160) / 140 = 3.285714.
  const std::vector<StallRecord> stall = {{.start_ms = 50, .duration_ms = 60, .cause = "underrun"}};
  CHECK(*picture_mos_from_psnr(pictures, stall) == Approx(460.0 / 140));
  // One picture is its own class; none is no term.
  CHECK(*picture_mos_from_psnr({{.t_ms = 5, .psnr = 100}}, {}) == Approx(5));
  CHECK(!picture_mos_from_psnr({}, {}));
}

TEST_CASE("without a PSNR the picture term is the share of damaged pictures",
          "[unit][metrics][qoe]") {
  CHECK(*picture_mos_from_damage(0, 100) == Approx(5));
  CHECK(*picture_mos_from_damage(25, 100) == Approx(4));
  CHECK(*picture_mos_from_damage(100, 100) == Approx(1));
  CHECK(!picture_mos_from_damage(0, 0));
}

TEST_CASE("the score is the product of the terms on 0..1, back on 1..5", "[unit][metrics][qoe]") {
  CHECK(combine_qoe(5, 5) == Approx(5));
  CHECK(combine_qoe(5, 3.2) == Approx(3.2));  // a perfect term leaves the other
  CHECK(combine_qoe(3, 3) == Approx(2));      // 1 + 2 · 2 / 4: both hurt, worse than either
  CHECK(combine_qoe(1.5, 5) == Approx(1.5));
  CHECK(combine_qoe(1, 4.5) == Approx(1));
}

TEST_CASE("a run's qoe block from its figures", "[unit][metrics][qoe]") {
  MetricsDocument m;
  m.startup_ms = 500;
  m.stalls = {.count = 1,
              .total_ms = 2000,
              .events = {{.start_ms = 4000, .duration_ms = 2000, .cause = "underrun"}}};
  // Two freezes, one of them the stall: the other is 300 ms frozen.
  m.freezes = {.count = 2, .total_ms = 2300};
  m.session.state_ms.frozen = 300;
  m.frames.rendered = 200;
  m.frames.damaged = 50;

  SECTION("without a reference: from the damaged share") {
    const QoeFigures q = qoe_of(m);
    // N = 2 interruptions of 2300 ms in all: L = 1.15 s; stall term
    // 3.5 · e^−(0.3625 · 2) + 1.5 = 3.195136; picture 5 − 4 · 0.25 = 4;
    // score 1 + 2.195136 · 3 / 4 = 2.646352.
    CHECK(q.interruptions == 2);
    CHECK(q.interruption_mean_ms == Approx(1150));
    CHECK(*q.stall_mos == Approx(3.195136).epsilon(1e-6));
    CHECK(*q.damaged_share == Approx(0.25));
    CHECK(*q.picture_mos == Approx(4));
    CHECK(q.picture_basis == "damaged_share");
    CHECK(*q.score == Approx(2.646352).epsilon(1e-6));
  }
  SECTION("with pictures compared: from their PSNR") {
    m.quality.comparison.emplace();
    m.quality.comparison->reference = "clip.mp4";
    m.quality.comparison->per_frame = {{.t_ms = 1000, .psnr = 45}, {.t_ms = 1040, .psnr = 45}};
    const QoeFigures q = qoe_of(m);
    CHECK(q.picture_basis == "psnr");
    CHECK(*q.picture_mos == Approx(5));
    CHECK(*q.score == Approx(*q.stall_mos));
  }
  SECTION("a run without a picture has no score") {
    m.startup_ms.reset();
    const QoeFigures q = qoe_of(m);
    CHECK(!q.score);
    CHECK(!q.stall_mos);
    CHECK(!q.picture_mos);
    CHECK(!q.picture_basis);
  }
  SECTION("a clean run scores 5") {
    MetricsDocument clean;
    clean.startup_ms = 400;
    clean.frames.rendered = 300;
    CHECK(*qoe_of(clean).score == Approx(5));
  }
}
