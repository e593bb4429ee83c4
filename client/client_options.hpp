#pragma once
// flowcast-client's settings, as parsed from the command line (main.cpp).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client/transport/listen_options.hpp"
#include "client/transport/rtsp_options.hpp"
#include "common/util/units.hpp"
#include "media/payload/h264_sps.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

using std::chrono::microseconds;

// automatic: only for RTSP sources (UDP, then TCP; RtspLower::automatic).
enum class Transport { tcp, udp, automatic };
enum class OverflowPolicy { block, drop_new, drop_old, grow };
enum class LossPolicy { conceal, freeze };

// How each value is spelled: on the command line (--transport, --overflow,
// --on-loss), in the metrics file ("transport", config.overflow,
// config.on_loss) and on the status line. These tables are the only place.
NLOHMANN_JSON_SERIALIZE_ENUM(Transport, {{Transport::tcp, "tcp"},
                                         {Transport::udp, "udp"},
                                         {Transport::automatic, "auto"}})
NLOHMANN_JSON_SERIALIZE_ENUM(OverflowPolicy, {{OverflowPolicy::block, "block"},
                                              {OverflowPolicy::drop_new, "drop-new"},
                                              {OverflowPolicy::drop_old, "drop-old"},
                                              {OverflowPolicy::grow, "grow"}})
NLOHMANN_JSON_SERIALIZE_ENUM(LossPolicy,
                             {{LossPolicy::conceal, "conceal"}, {LossPolicy::freeze, "freeze"}})

// The name of a value, from the tables above.
inline std::string to_string(Transport t) {
  return nlohmann::json(t).get<std::string>();
}
inline std::string to_string(OverflowPolicy p) {
  return nlohmann::json(p).get<std::string>();
}
inline std::string to_string(LossPolicy p) {
  return nlohmann::json(p).get<std::string>();
}

// --reference, --snapshot, --frames: see QualityMeter.
struct QualityOptions {
  std::optional<std::string> reference;     // --reference FILE
  std::optional<std::string> snapshot_dir;  // --snapshot DIR (created at start)
  int snapshot_max = 12;                    // --snapshot-max
  std::optional<std::string> frames_path;   // --frames FILE
  bool active() const { return reference || snapshot_dir || frames_path; }
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5004;
  Transport transport = Transport::tcp;
  microseconds buffer{500'000};
  microseconds buffer_max{2'000'000};
  std::optional<microseconds> rebuffer;  // default: buffer
  OverflowPolicy overflow = OverflowPolicy::block;
  std::optional<int64_t> grow_max;  // bytes
  std::optional<int> so_rcvbuf;
  LossPolicy on_loss = LossPolicy::conceal;
  media::PictureLimit max_picture;  // --max-picture WxH (default 8192x4320)
  // How the stream's access units travel in RTP: the SDP's encoding name
  // with --listen and RTSP; from flowcast-server's own TCP and UDP (no
  // SDP) nullptr: found from the stream's first keyframe.
  const media::PayloadFormat* payload_format = nullptr;
  bool nack = false;  // ask the server to resend lost packets (RTCP NACK)
  std::optional<common::AtFor> consumer_pause;
  bool headless = false;
  bool quiet = false;
  std::optional<microseconds> duration;
  std::optional<std::string> metrics_path;
  std::optional<std::string> timeline_path;
  std::optional<std::string> framemd5_path;
  std::optional<std::string> report_path;  // --report FILE
  QualityOptions quality;
  // --listen PORT --sdp FILE: receive plain RTP instead of connecting.
  std::optional<ListenOptions> listen;
  // rtsp://…: play an RTSP source (described before playback starts).
  std::optional<RtspOptions> rtsp;

  // The RTP payload type of the stream: the SDP's (--listen, RTSP), or 96.
  uint8_t payload_type() const {
    return listen ? listen->payload_type : rtsp ? rtsp->payload_type : 96;
  }
  // The SDP's sprop-parameter-sets as Annex B (--listen, RTSP), or empty.
  std::vector<uint8_t> sdp_parameter_sets() const {
    return listen ? listen->parameter_sets : rtsp ? rtsp->parameter_sets : std::vector<uint8_t>{};
  }

  microseconds rebuffer_or_default() const { return rebuffer.value_or(buffer); }
};

}  // namespace flowcast::client
