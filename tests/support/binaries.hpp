#pragma once
// The binaries under test, as tests/CMakeLists.txt passes them to each test
// executable, and readers of what they write.
#include <nlohmann/json.hpp>
#include <string>

#include "support/process.hpp"

namespace flowcast::test {

inline const std::string kServer = FLOWCAST_SERVER_BIN;
inline const std::string kClient = FLOWCAST_CLIENT_BIN;
inline const std::string kReport = FLOWCAST_REPORT_BIN;

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_file(path));
}

}  // namespace flowcast::test
