#pragma once
// flowcast-client's settings, as parsed from the command line (main.cpp).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "client/decode/loss_policy.hpp"
#include "client/metrics/quality_options.hpp"
#include "client/playout/overflow_policy.hpp"
#include "client/transport/listen_options.hpp"
#include "client/transport/rtsp_options.hpp"
#include "client/transport/transport_kind.hpp"
#include "common/util/units.hpp"
#include "media/payload/h264_sps.hpp"
#include "media/payload/payload_format.hpp"

namespace flowcast::client {

using std::chrono::microseconds;

// The whole command line. The Player hands each part only its own options
// (DecodeOptions, SourceOptions, QualityOptions, ReceiveBufferConfig,
// PlayoutConfig); the transports are made from it (make_transport).
struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5004;
  Transport transport = Transport::tcp;
  // --buffer: the startup buffer and the fixed playout delay; with
  // --buffer adaptive (buffer_adaptive), the delay follows the measured
  // jitter (PlayoutDelay) and buffer is its floor, PlayoutDelay::kAdaptiveFloor.
  microseconds buffer{500'000};
  bool buffer_adaptive = false;
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

  // --no-audio: the audio track is not set up, nor played.
  bool no_audio = false;
  // The audio stream to play beside the video: the SDP's (--listen, RTSP)
  // unless --no-audio; none over flowcast-server's own TCP and UDP.
  const AudioStreamOptions* audio() const {
    if (no_audio) return nullptr;
    if (listen && listen->audio) return &*listen->audio;
    if (rtsp && rtsp->audio) return &*rtsp->audio;
    return nullptr;
  }

  // flowcast-server's own TCP and UDP carry no SDP: the session's audio is
  // learnt from its in-band description (RTCP APP "FCSD"), unless --no-audio.
  bool audio_in_band() const { return !no_audio && !listen && !rtsp; }

  microseconds rebuffer_or_default() const { return rebuffer.value_or(buffer); }
};

}  // namespace flowcast::client
