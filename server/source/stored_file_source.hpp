#pragma once
// INPUT as a file: a stored file that each session plays from its start on
// a timeline of its own, paced by its timestamps (like ffmpeg -re), with
// --loop, through a FileReader of its own (its H.264 or H.265 sent as is,
// other video transcoded to H.264). The source makes no frames itself. It
// opens the file once, when the server starts, so a bad INPUT is an error
// then and not per client, and describes it from its first keyframe that
// holds every parameter set, with its length: the SDP an RTSP DESCRIBE
// answers before any client plays it, and --sdp writes.
//
// Threads: built with the server, before its network thread runs; then
// open_reader() on the network thread (a session's FileReader runs a worker
// of its own when it transcodes).
#include <string>

#include "media/source/file_source.hpp"
#include "server/source/media_source.hpp"

namespace flowcast::server {

class StoredFileSource : public MediaSource {
 public:
  // A file with no parameter sets in this many access units has none to give.
  static constexpr int kParameterSetSearchFrames = 300;

  // Opens the file and reads up to kParameterSetSearchFrames access units to
  // describe it; with `audio`, its first audio track that an audio payload
  // format carries is the second stream (--no-audio: without). Throws
  // media::SourceError when it cannot be opened, and media::AvError when a
  // read fails.
  StoredFileSource(std::string path, bool loop, bool audio = true);

  const SourceDescription& description() const override { return description_; }
  // The file as FFmpeg found it: its codec, whether it is transcoded, and
  // whether its pictures are timed by its frame rate (it has no timestamps).
  const media::SourceInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Nothing to start: each session reads on its own.
  void start(FrameHandler, EndHandler) override {}
  void stop() override {}
  // A FileReader of the file, with --loop. Throws media::SourceError.
  std::unique_ptr<FileReader> open_reader(int64_t start_90k,
                                          std::function<void()> wake) const override;

 private:
  std::string path_;
  bool loop_;
  bool audio_;
  media::SourceInfo info_;
  SourceDescription description_;
};

}  // namespace flowcast::server
