#pragma once
// Which transport carries the stream: the client's one word for it, on the
// command line (--transport), in the metrics file ("transport") and on the
// status line. Under RTSP it says how RTP travels: interleaved on the RTSP
// connection (tcp, RFC 2326 §10.12), on UDP client ports (udp), or UDP first
// and TCP when the server refuses UDP or no RTP arrives within
// RtspOptions::kAutoUdpWait (automatic, RTSP only). --listen receives over
// UDP.
#include <nlohmann/json.hpp>
#include <string>

namespace flowcast::client {

enum class Transport { tcp, udp, automatic };

// How each value is spelled everywhere: this table is the only place.
NLOHMANN_JSON_SERIALIZE_ENUM(Transport, {{Transport::tcp, "tcp"},
                                         {Transport::udp, "udp"},
                                         {Transport::automatic, "auto"}})

inline std::string to_string(Transport t) {
  return nlohmann::json(t).get<std::string>();
}

}  // namespace flowcast::client
