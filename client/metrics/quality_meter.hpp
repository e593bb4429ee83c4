#pragma once
// What the pictures look like, measured while they play: --reference (PSNR
// and MOS of every rendered picture against the same picture decoded from
// the source file), --snapshot (PNGs of damaged, worst and clean pictures)
// and --frames (one CSV row per rendered picture).
//
// The render thread hands each shown picture over with submit(), which only
// takes a reference to its buffers; a worker thread decodes the reference,
// compares and writes snapshots, so the comparison never delays playback.
//
// Pairing: the stream's RTP timestamps are the source's presentation times
// plus an offset the sender chose. The first clean picture (no decoder
// error, no loss before it since a keyframe) is matched against the
// reference's pictures by content, which fixes the offset; from then on a
// picture is paired with the reference picture of the same presentation
// time, across losses, skips and stalls. Pictures shown before the offset is
// known wait (a few seconds' worth) and are compared once it is.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "client/metrics/metrics_document.hpp"
#include "client/metrics/quality_options.hpp"
#include "media/ffmpeg/av_types.hpp"
#include "media/quality/psnr.hpp"

namespace flowcast::client {

// A picture as it was shown.
struct ShownPicture {
  media::Frame frame;  // a reference to the rendered buffers
  int64_t pts_90k = 0;
  double t_ms = 0;  // since launch
  bool corrupt = false;
  bool tainted = false;
};

// One rendered picture's row.
struct FrameQuality {
  double t_ms = 0;
  int64_t pts_90k = 0;
  std::optional<double> psnr;  // nullopt: no reference picture to pair with
  bool corrupt = false;
  bool tainted = false;
};

struct Snapshot {
  std::string file;
  std::string kind;  // "corrupt", "worst", "worst-reference", "clean"
  double t_ms = 0;
  int64_t pts_90k = 0;
  std::optional<double> psnr;
};

class ReferenceTrack;

class QualityMeter {
 public:
  // Opens the reference file at once, so a bad one is a usage error:
  // throws media::SourceError with a message for the user.
  explicit QualityMeter(QualityOptions options);
  ~QualityMeter();

  void start();
  // Render thread. Cheap: queues a reference to the picture. When the worker
  // is far behind (more than kMaxQueuedBytes waiting) the picture is counted
  // as not compared instead.
  void submit(const media::Frame& frame, int64_t pts_90k, double t_ms, bool corrupt, bool tainted);
  // Compares what is still queued, writes the last snapshots and joins.
  void finish();

  // The metrics file's "quality" object and "snapshots" array. After finish().
  Quality quality() const;
  std::vector<SnapshotRecord> snapshot_records() const;
  // --frames' header row: one row per rendered picture follows.
  static constexpr std::string_view kFramesCsvHeader = "t_ms,pts_ms,psnr,mos,corrupt,tainted\n";
  // --frames: the header, then a row per picture. After finish().
  bool write_frames_csv(const std::string& path, std::string& error) const;
  // The latest compared picture's PSNR, for the status line and overlay.
  std::optional<double> recent_psnr() const;

 private:
  void run();
  void process(ShownPicture p);
  void try_align(const ShownPicture& clean);
  void compare(const ShownPicture& p, FrameQuality& row);
  void consider_snapshots(const ShownPicture& p, const FrameQuality& row);
  void save(const media::Frame& frame, const std::string& kind, const ShownPicture& p,
            std::optional<double> psnr, const std::string& suffix = "");
  int snapshot_budget_left() const;
  // A stream timestamp as the source's presentation time in ms (the stream's
  // own until the pairing is known).
  double source_pts_ms(int64_t stream_pts_90k) const;

  QualityOptions options_;
  std::unique_ptr<ReferenceTrack> reference_;

  // Shared between the render thread and the worker.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<ShownPicture> queue_;
  size_t queued_bytes_ = 0;
  bool finishing_ = false;
  uint64_t not_compared_ = 0;  // dropped because the worker was behind
  std::optional<double> recent_psnr_;
  std::thread worker_;

  // Worker only (read by quality() and snapshot_records() after finish()).
  std::deque<ShownPicture> unaligned_;  // shown before the offset was known
  std::optional<int64_t> offset_90k_;   // stream pts - reference pts
  bool mismatch_ = false;               // the stream is not the reference
  double best_alignment_psnr_ = 0;
  std::string reference_error_;
  uint64_t unmatched_ = 0;  // no reference picture at that presentation time
  media::QualityAccumulator accumulator_;
  std::vector<FrameQuality> rows_;
  std::vector<Snapshot> snapshots_;
  int clean_run_ = 1 << 20;  // intact pictures since the last damaged one
  int episodes_ = 0;
  bool clean_saved_ = false;
  // The worst picture so far and its reference, written at the end.
  std::optional<ShownPicture> worst_;
  media::Frame worst_reference_;
  double worst_psnr_ = media::kPsnrCap;
};

}  // namespace flowcast::client
