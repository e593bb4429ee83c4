#pragma once
// Headless Chromium for the tests of flowcast's HTML pages: find it, run it
// on a page (to dump the DOM it built, or to take a screenshot), and tell a
// screenshot with content from a blank one.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace flowcast::test {

// The first Chromium on PATH.
inline std::optional<std::string> find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
      const std::string candidate = dir + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return std::nullopt;
}

// Runs headless Chromium on url with extra arguments (--dump-dom,
// --screenshot=FILE --window-size=W,H); its stdout and stderr go to log.
// Fails the test if it has not finished after 60 s.
inline int run_chromium(const std::string& chromium, const TempDir& dir, const std::string& url,
                        const std::vector<std::string>& extra, const std::string& log) {
  std::vector<std::string> argv = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--user-data-dir=" + dir.file("chromium-profile")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  Process browser(argv, log);
  auto code = browser.wait_for(std::chrono::seconds(60));
  if (!code) {
    browser.signal(SIGKILL);
    FAIL("chromium did not finish within 60 s:\n" << browser.log());
  }
  return *code;
}

// Distinct RGB colours of a PNG, decoded by the ffmpeg command line.
inline size_t distinct_colours(const TempDir& dir, const std::string& png) {
  const std::string raw = dir.file("screenshot.rgb");
  REQUIRE(run_shell("ffmpeg -nostdin -v error -y -i '" + png + "' -f rawvideo -pix_fmt rgb24 '" +
                    raw + "'") == 0);
  const std::string pixels = read_file(raw);
  std::set<uint32_t> colours;
  for (size_t i = 0; i + 2 < pixels.size(); i += 3)
    colours.insert(static_cast<uint32_t>(static_cast<uint8_t>(pixels[i])) << 16 |
                   static_cast<uint32_t>(static_cast<uint8_t>(pixels[i + 1])) << 8 |
                   static_cast<uint8_t>(pixels[i + 2]));
  return colours.size();
}

}  // namespace flowcast::test
