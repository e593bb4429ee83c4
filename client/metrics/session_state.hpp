#pragma once
// The client session's states, one enum for the status line, the overlay,
// the timeline and the metrics file.
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

// The session's states (DESIGN.md "Sessions and their states", after
// CTA-2066 and ExoPlayer's PlaybackStats): joining (before the first
// picture), waiting (--listen, before the sender's first packet), playing,
// rebuffering (a stall), frozen (a W3C freeze in progress), ended. Written
// lower-case in the metrics file; files written before sessions had states
// say "buffering" (read as joining) and "stalled" (rebuffering).
enum class SessionState { joining, waiting, playing, rebuffering, frozen, ended };
NLOHMANN_JSON_SERIALIZE_ENUM(SessionState, {{SessionState::joining, "joining"},
                                            {SessionState::waiting, "waiting"},
                                            {SessionState::playing, "playing"},
                                            {SessionState::rebuffering, "rebuffering"},
                                            {SessionState::frozen, "frozen"},
                                            {SessionState::ended, "ended"},
                                            {SessionState::joining, "buffering"},
                                            {SessionState::rebuffering, "stalled"}})
inline std::string to_string(SessionState s) {
  return nlohmann::json(s).get<std::string>();
}

}  // namespace flowcast::client
