#pragma once
// What the jitter buffer does when it is full (--overflow; ReceiveBuffer has
// the rules): block the source, drop the arriving packet, drop the oldest
// access unit, or grow.
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

enum class OverflowPolicy { block, drop_new, drop_old, grow };

// How each value is spelled: on the command line, in the metrics file
// (config.overflow) and on the status line. This table is the only place.
NLOHMANN_JSON_SERIALIZE_ENUM(OverflowPolicy, {{OverflowPolicy::block, "block"},
                                              {OverflowPolicy::drop_new, "drop-new"},
                                              {OverflowPolicy::drop_old, "drop-old"},
                                              {OverflowPolicy::grow, "grow"}})

inline std::string to_string(OverflowPolicy p) {
  return nlohmann::json(p).get<std::string>();
}

}  // namespace flowcast::client
