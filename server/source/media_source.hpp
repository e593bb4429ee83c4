#pragma once
// What the server asks of any source of what it streams, whichever it is:
// the built-in test pattern (LivePatternSource), a URL relayed live
// (LiveUrlSource), or a stored file each session plays from its start
// (StoredFileSource). Server holds one MediaSource and asks it:
//  - what it streams (description()): its media streams (the video, and
//    the audio of a stored file, a relayed URL or the pattern second), each
//    with its payload format, clock rate and SDP media description; its
//    length; and whether it is live (one timeline for every session) or
//    played per session;
//  - start() and stop();
//  - how a session gets frames. A live source makes each frame once, cut
//    into RTP payloads (PacketizedFrame), and hands it to the server, which
//    fans it out to every session; the pattern's encoder can be asked for a
//    keyframe (a viewer joins, a PLI). A stored file makes no frames itself:
//    each session opens its own FileReader at a position (open_reader);
//  - its live encoder's meter, when it has one (encoder()).
//
// Threads: the server's network thread calls everything but encoder() (any
// thread). A live source makes frames on a thread of its own and posts them
// to the network thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/payload/payload_format.hpp"
#include "media/sdp/sdp.hpp"
#include "server/source/encoder_meter.hpp"
#include "server/source/file_reader.hpp"
#include "server/source/packetized_frame.hpp"

namespace flowcast::server {

// One media stream of a source: one m= section of its SDP (RFC 8866 §5.14).
struct MediaStreamDescription {
  // How its frames travel in RTP (H.264: RFC 6184, H.265: RFC 7798; AAC:
  // RFC 3640, Opus: RFC 7587, G.711: RFC 3551). Never null.
  const media::PayloadFormat* format = nullptr;
  // Its SDP, addressed to no one (c=0.0.0.0, port 0), with the parameter
  // sets of a keyframe and, for a stored file, a=range (RFC 2326 C.1.5):
  // what an RTSP DESCRIBE answers and --sdp writes. A stored file's is known
  // once the source is open; a live source's from its first keyframe that
  // holds every parameter set (nullopt until then, and for a file that has
  // none in its first frames).
  std::optional<media::SdpDescription> sdp;

  // The stream's own RTP clock when its format has none fixed (AAC: the
  // sample rate, RFC 3640 §4.1); 0 otherwise.
  uint32_t sample_rate = 0;

  // The RTP clock: ticks a second (90000 for video: RFC 6184 §8.2.1; Opus
  // 48000, RFC 7587 §4.1; AAC its sample rate).
  uint32_t clock_rate() const { return format->clock_rate ? format->clock_rate : sample_rate; }
  // The RTP payload type: the format's static one (PCMU 0, PCMA 8, RFC 3551
  // §6), else the video's 96 and the audio's 97.
  uint8_t payload_type() const {
    if (format->static_payload_type >= 0) return static_cast<uint8_t>(format->static_payload_type);
    return format->media == "audio" ? 97 : 96;
  }
};

// How sessions take a source's frames.
enum class Timeline {
  live,         // one timeline: every session takes the frames as they come
  per_session,  // each session plays it from its start (or where it seeks)
};

struct SourceDescription {
  // What the server streams, for its log: "the test pattern 1280x720@30
  // (H264)", "clip.mp4 (h264, sent as is)", "rtsp://cam/s (h264, relayed
  // live)".
  std::string what;
  Timeline timeline = Timeline::live;
  // Its length in 90 kHz ticks; 0 when live, or when the file does not say.
  int64_t duration_90k = 0;
  // Its media streams, in SDP order: the video first, then its audio, if
  // any (its a=control is "track2").
  std::vector<MediaStreamDescription> streams;

  const MediaStreamDescription& video() const { return streams.front(); }
};

class MediaSource {
 public:
  // A live frame, on the network thread.
  using FrameHandler = std::function<void(std::shared_ptr<const PacketizedFrame>)>;
  // The source ended by itself (a relayed URL's end, silence or read
  // error); `why` says which. On the network thread.
  using EndHandler = std::function<void(const std::string& why)>;

  virtual ~MediaSource() = default;

  virtual const SourceDescription& description() const = 0;
  bool live() const { return description().timeline == Timeline::live; }

  // A live source starts making frames: each goes to on_frame, after the
  // source has described itself from it when it is a keyframe (so
  // description() holds its SDP by then); on_end runs at most once. A
  // stored file has nothing to start. Called once.
  virtual void start(FrameHandler on_frame, EndHandler on_end) = 0;
  // Stops making frames and joins the source's thread (within about 100 ms
  // for a URL blocked in a read). Safe to call twice, and before start().
  virtual void stop() = 0;

  // The source makes a keyframe when asked: the pattern's encoder. A relayed
  // URL cannot (a viewer joins at its next one); a stored file's sessions
  // each begin at a keyframe of their own.
  virtual bool forces_keyframes() const { return false; }
  // The next frame made will be an IDR. Only when forces_keyframes(); the
  // server rate-limits the asking (KeyframeLimiter).
  virtual void request_keyframe() {}

  // For a per-session source: a session's own reader of the file, from the
  // keyframe at or before `start_90k` (90 kHz ticks from the file's start),
  // with its audio when the description has it; `wake` as FileReader's. Throws media::SourceError
  // when the file cannot be opened or cannot seek, and std::logic_error for a live source.
  virtual std::unique_ptr<FileReader> open_reader(int64_t start_90k,
                                                  std::function<void()> wake) const {
    (void)start_90k;
    (void)wake;
    throw std::logic_error("a live source's sessions take its frames, not a reader");
  }

  // The live encoder's meter now; nullopt for a source that encodes nothing
  // once for all (a relayed URL; a file, transcoded per session if at all).
  virtual std::optional<EncoderReading> encoder() const { return std::nullopt; }
};

}  // namespace flowcast::server
