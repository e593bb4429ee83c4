#pragma once
// A live source that libavformat opens from a URL (rtsp://, srt://, udp://,
// http(s):// HLS, …), relayed as it is: its video, in the payload format the
// table has for its codec (media/payload/payload_format.hpp: H.264, H.265),
// and when asked its first audio track an audio payload format carries
// (AAC, Opus; AudioTrack) as stream 1. Frames come in arrival order.
//
// The video leaves in Annex B with its parameter sets before every keyframe:
// from a container's length-prefixed form (MP4, Matroska) through the
// format's annexb_filter (h264_mp4toannexb, hevc_mp4toannexb); a stream in
// Annex B already (MPEG-TS, RTP) through FFmpeg's dump_extra, which puts the
// stream description's sets (an RTSP source's sprop-parameter-sets) before
// each keyframe that does not begin with them.
// Timestamps are 90 kHz ticks from the video's first decode time; sound
// from before it is dropped. AAC without its AudioSpecificConfig (ADTS, as
// MPEG-TS and HLS carry it) gets it from its first frame: the constructor
// reads up to kAudioConfigPackets packets for it (they are not lost: next()
// hands them out), else the audio is not relayed (info().ignored_audio).
//
// Unlike FileSource, next() blocks until the source sends, and a blocked
// read ends within 100 ms of interrupt() (from any thread), or once
// kReadTimeout passes without a packet.
//
// Threads: one reader thread calls the constructor and next(); interrupt()
// from any thread. info() is fixed once the constructor returns.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "media/codec/encoded_frame.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::media {

// Whether INPUT names a URL ("scheme://…") rather than a file.
bool is_url(const std::string& input);

class UrlSource {
 public:
  // A source that sends nothing for this long has ended.
  static constexpr auto kReadTimeout = std::chrono::seconds(10);
  // Packets the constructor reads at most for the first frame of AAC that
  // came without its AudioSpecificConfig.
  static constexpr int kAudioConfigPackets = 256;

  // Opens the URL and reads its stream information (blocks up to
  // kReadTimeout, and as long again for an ADTS AAC track's first frame).
  // audio: with its first audio track. Throws SourceError, with a message
  // for the user, when it cannot be opened, has no video, or its video is
  // in a codec no payload format carries (the message names it); AvError
  // when FFmpeg lacks a filter or fails to start it.
  explicit UrlSource(const std::string& url, bool audio = false);
  ~UrlSource();

  // The video's size and rate, its codec (codec_id: a payload format's),
  // and the audio relayed (audio) or not (ignored_audio names it).
  const SourceInfo& info() const;
  // The next frame, video (stream 0) or sound (stream 1), or nullopt at the
  // end of the stream, on interrupt(), or after kReadTimeout of silence.
  // Throws AvError on a read error.
  std::optional<EncodedFrame> next();
  // Makes a blocked or later next() return nullopt. Any thread.
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowcast::media
