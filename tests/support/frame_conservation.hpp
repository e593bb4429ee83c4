#pragma once
// Frame conservation, asserted on a metrics file (docs/METRICS.md, "Frame
// conservation"): every picture the sender sent is in exactly one bucket,
// the file's `accounted` is their sum, and it equals `sent`. Every
// integration test that writes client metrics calls this on them.
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support/process.hpp"

namespace flowcast::test {

// The buckets, by key, in the order the summary names them.
inline constexpr const char* kConservationBuckets[] = {
    "rendered_clean", "damaged", "skipped",     "dropped_late",
    "dropped_buffer", "lost",    "undecodable", "pending"};

// Checks the balance of a client metrics document; returns `frames.sent`.
inline uint64_t check_frame_conservation(const nlohmann::json& metrics) {
  const nlohmann::json& f = metrics.at("frames");
  INFO("frames " << f.dump());
  uint64_t sum = 0;
  for (const char* key : kConservationBuckets) {
    REQUIRE(f.contains(key));
    sum += f.at(key).get<uint64_t>();
  }
  CHECK(f.at("accounted").get<uint64_t>() == sum);
  CHECK(f.at("sent").get<uint64_t>() == sum);
  // The buckets of shown pictures are the shown pictures.
  CHECK(f.at("rendered_clean").get<uint64_t>() + f.at("damaged").get<uint64_t>() ==
        f.at("rendered").get<uint64_t>());
  return f.at("sent").get<uint64_t>();
}

// Reads a client metrics file and checks its balance.
inline nlohmann::json read_client_metrics(const std::string& path) {
  nlohmann::json metrics = nlohmann::json::parse(read_file(path));
  check_frame_conservation(metrics);
  return metrics;
}

}  // namespace flowcast::test
