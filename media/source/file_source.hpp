#pragma once
// A media file as a sequence of access units in decode order. Video a
// payload format carries (media/payload/payload_format.hpp: H.264, H.265) is
// sent as is (converted to Annex B by the format's filter, parameter sets
// before each keyframe); other video is decoded and encoded to the payload
// table's transcode_target_format() (H.264, libx264; file_transcoder.hpp),
// each picture keeping its presentation time. When
// asked, the file's first audio track is read too, on the video's timeline,
// and next() hands out both in decode-time order (EncodedFrame::stream 1):
// as it is when an audio payload format carries it (AAC with its
// AudioSpecificConfig, Opus, G.711 at 8000 Hz mono cut into 20 ms frames),
// and any other audio libavcodec decodes transcoded to Opus
// (audio_track.hpp, audio_transcoder.hpp). Every
// access unit's times come from the file's timestamps through a SourceTimeline
// (source_timeline.hpp): they only move forward, in 90 kHz ticks, and a file without timestamps is
// timed by its frame rate. Pacing is the caller's business: next() returns as fast as it can read.
// One thread at a time.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "media/codec/encoded_frame.hpp"

namespace flowcast::media {

// The input cannot be used at all (missing, unreadable, no video stream).
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The audio track read with the video.
struct AudioTrackInfo {
  // What its frames are (an audio payload format's codec): the file's own,
  // or Opus when transcoded.
  AVCodecID codec_id = AV_CODEC_ID_NONE;
  std::string codec_name;   // the file's codec, as FFmpeg names it ("mp3")
  bool transcoded = false;  // decoded and encoded to Opus
  int sample_rate = 0;      // Hz, of the frames: AAC's RTP clock (Opus's is 48 kHz always)
  int channels = 0;         // of the frames (transcoded: 1 or 2)
  // AAC: the AudioSpecificConfig (the container's extradata).
  std::vector<uint8_t> config;
};

struct SourceInfo {
  int width = 0;
  int height = 0;
  int fps = 0;            // nominal frame rate, rounded (0 when unknown)
  double frame_rate = 0;  // the same, unrounded (0 when unknown)
  // The file has no timestamps (a raw elementary stream): its pictures are
  // timed by frame_rate (FFmpeg's 25 fps when the stream does not say).
  bool timestamps_from_rate = false;
  // What the frames are (a payload format's codec): the file's own, sent as
  // is, or anything else transcoded to transcode_target_format() (transcoded is
  // then true).
  AVCodecID codec_id = AV_CODEC_ID_H264;
  bool transcoded = false;
  std::string codec_name;  // the file's video codec, as FFmpeg names it
  // The file's length in 90 kHz ticks, as its container gives it (the video
  // stream's duration, else the file's); 0 when it does not say. A still
  // held at the end counts: pictures at 0, 3, 6 and 9 s last 12 s.
  int64_t duration_90k = 0;
  // The audio track read with the video (FileSource's `audio`); nullopt
  // when not asked, when there is none, or when it can be neither sent as
  // it is nor transcoded (ignored_audio then names its codec, and
  // ignored_audio_reason says why: "this FFmpeg has no ... decoder").
  std::optional<AudioTrackInfo> audio;
  std::string ignored_audio;
  std::string ignored_audio_reason;
};

class FileSource {
 public:
  // Opens the file, with its first audio track when `audio`. Throws
  // SourceError with a message for the user.
  explicit FileSource(const std::string& path, bool audio = false);
  ~FileSource();
  FileSource(FileSource&&) noexcept;
  FileSource& operator=(FileSource&&) noexcept;

  const SourceInfo& info() const;
  // The next access unit in decode order (video and audio merged by decode
  // time), or nullopt at the end of the file.
  // Throws AvError on a read error that ends the stream.
  std::optional<EncodedFrame> next();
  // Starts again from the beginning (--loop); timestamps keep increasing.
  void rewind();
  // Moves to the keyframe at or before `position_90k` (90 kHz ticks from the
  // file's start; RTSP PLAY with a Range, RFC 2326 §12.29) and returns that
  // keyframe's position (the next access unit's presentation time, from the
  // file's start). Call it before the first next(): the timeline then starts
  // there. Throws AvError when the file cannot seek.
  int64_t seek(int64_t position_90k);
  // Times the file's timestamps jumped (backwards, or far forwards in a
  // format such as MPEG-TS) and the timeline was re-anchored.
  uint64_t discontinuities() const;

 private:
  // After a seek: the decoder, the filter and the timeline start afresh.
  void restart();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowcast::media
