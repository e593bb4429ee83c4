#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "common/util/units.hpp"

using namespace flowcast::common;
using namespace std::chrono_literals;

TEST_CASE("parse_duration accepts ms, s, us and min", "[unit][units]") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("2s") == 2s);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0ms") == 0ms);
  CHECK(parse_duration("0s") == 0s);
  CHECK(parse_duration("250us") == 250us);
  CHECK(parse_duration("0.1s") == 100ms);
  CHECK(parse_duration("1.25ms") == 1250us);
  CHECK(parse_duration("2min") == 120s);
  CHECK(parse_duration("0.001s") == 1ms);
  CHECK(parse_duration("3600s") == 3600s);
}

TEST_CASE("parse_duration rejects bare numbers and garbage", "[unit][units]") {
  for (const char* bad :
       {"",   "500", "1.5",    "-2s",   "+2s",   "2 s",    " 2s",  "2s ",
        "s",  "ms",  ".5s",    "1.s",   "1e3ms", "2sec",   "2S",   "1m",
        "2h", "abc", "1.5.5s", "inf s", "nan",   "0x10ms", "2ms2", "99999999999999999999s"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_duration(bad));
  }
}

TEST_CASE("format_duration writes short forms that read back", "[unit][units]") {
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(2s) == "2s");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(0ms) == "0ms");
  CHECK(format_duration(250us) == "250us");
  CHECK(format_duration(1250us) == "1.25ms");
  CHECK(format_duration(1000001us) == "1.000001s");
  CHECK(format_duration(-2s) == "-2s");
  for (auto d : {0us, 1us, 999us, 1000us, 1001us, 999999us, 1000000us, 1234567us, 3600000000us}) {
    INFO(d.count());
    CHECK(parse_duration(format_duration(d)) == d);
  }
}

TEST_CASE("parse_rate reads bits per second", "[unit][units]") {
  CHECK(parse_rate("800k") == 800'000);
  CHECK(parse_rate("4M") == 4'000'000);
  CHECK(parse_rate("1.5M") == 1'500'000);
  CHECK(parse_rate("4000000") == 4'000'000);
  CHECK(parse_rate("1G") == 1'000'000'000);
  CHECK(parse_rate("64K") == 64'000);
  CHECK(parse_rate("2m") == 2'000'000);
  CHECK(parse_rate("1") == 1);
  for (const char* bad : {"", "0", "0k", "0.0001", "-1M", "4MB", "4Mbps", "M", "4 M", "1.5.5M",
                          "abc", "4T", "1e6", "99999999999999999999"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_rate(bad));
  }
}

TEST_CASE("parse_bytes uses powers of 1024", "[unit][units]") {
  CHECK(parse_bytes("65536") == 65536);
  CHECK(parse_bytes("64k") == 65536);
  CHECK(parse_bytes("64K") == 65536);
  CHECK(parse_bytes("8M") == 8 * 1024 * 1024);
  CHECK(parse_bytes("1G") == 1024LL * 1024 * 1024);
  CHECK(parse_bytes("1.5k") == 1536);
  for (const char* bad : {"", "0", "-64k", "64kb", "k", "64 k", "big"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_bytes(bad));
  }
}

TEST_CASE("parse_percent reads 0..100", "[unit][units]") {
  CHECK(parse_percent("2") == 2.0);
  CHECK(parse_percent("2%") == 2.0);
  CHECK(parse_percent("0.5%") == 0.5);
  CHECK(parse_percent("0") == 0.0);
  CHECK(parse_percent("100%") == 100.0);
  for (const char* bad : {"", "%", "101", "100.5%", "-1", "2%%", "%2", "two", "2 %"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_percent(bad));
  }
}

TEST_CASE("parse_at_for reads two durations", "[unit][units]") {
  const auto a = parse_at_for("2s+2s");
  REQUIRE(a);
  CHECK(a->at == 2s);
  CHECK(a->duration == 2s);
  const auto b = parse_at_for("500ms+1.5s");
  REQUIRE(b);
  CHECK(b->at == 500ms);
  CHECK(b->duration == 1500ms);
  for (const char* bad : {"", "2s", "2s+", "+2s", "2+2", "2s-2s", "2s+2s+2s", "2s + 2s"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_at_for(bad));
  }
}

TEST_CASE("parse_pattern reads WxH@FPS", "[unit][units]") {
  const auto p = parse_pattern("1280x720@30");
  REQUIRE(p);
  CHECK(p->width == 1280);
  CHECK(p->height == 720);
  CHECK(p->fps == 30);
  CHECK(parse_pattern("16x16@1"));
  CHECK(parse_pattern("7680x4320@240"));
  for (const char* bad : {"", "1280x720", "1280x720@", "1281x720@30", "1280x721@30", "14x720@30",
                          "7682x720@30", "1280x720@0", "1280x720@241", "-16x16@1", "1280X720@30",
                          "1280x720@30fps", "x720@30", "1280x@30", "@30"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_pattern(bad));
  }
}

TEST_CASE("parse_host_port reads hosts, ports and IPv6 brackets", "[unit][units]") {
  auto check = [](const char* text, const char* host, uint16_t port) {
    INFO("input '" << text << "'");
    const auto hp = parse_host_port(text, 5004);
    REQUIRE(hp);
    CHECK(hp->host == host);
    CHECK(hp->port == port);
  };
  check("127.0.0.1", "127.0.0.1", 5004);
  check("localhost:6000", "localhost", 6000);
  check("[::1]:5005", "::1", 5005);
  check("[::1]", "::1", 5004);
  check("::1", "::1", 5004);
  check("example.org:65535", "example.org", 65535);
  check("10.0.0.1:1", "10.0.0.1", 1);
  for (const char* bad :
       {"", ":5004", "host:", "host:0", "host:65536", "host:abc", "host:-1", "[::1", "[]:5004",
        "[::1]5004", "[::1]:", "bad host", "host:50 04", "host:123456"}) {
    INFO("input '" << bad << "'");
    CHECK_FALSE(parse_host_port(bad, 5004));
  }
  // Without a default, the port must be given.
  CHECK_FALSE(parse_host_port("localhost", 0));
  CHECK(parse_host_port("localhost:7", 0));
}
