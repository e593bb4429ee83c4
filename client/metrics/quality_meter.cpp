#include "client/metrics/quality_meter.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "common/util/atomic_file.hpp"
#include "media/codec/video_decoder.hpp"
#include "media/payload/payload_format.hpp"
#include "media/quality/png_writer.hpp"
#include "media/source/file_source.hpp"

namespace flowcast::client {

namespace {
// The worker may fall this far behind before pictures go uncompared.
constexpr size_t kMaxQueuedBytes = 256u << 20;
// Pictures shown before the first clean one fixes the pairing.
constexpr size_t kMaxUnaligned = 90;
// How far into the reference the first clean picture is looked for.
constexpr int64_t kAlignWindow90k = 20 * 90000;
// Below this the best match is not the same picture: the stream is not the
// reference (a clean picture decoded from the same bits matches exactly).
constexpr double kAlignMinPsnr = 30.0;
// A loss episode ends after this many intact pictures in a row.
constexpr int kEpisodeGap = 15;

size_t picture_bytes(const AVFrame* f) {
  return f ? static_cast<size_t>(f->width) * static_cast<size_t>(f->height) * 3 / 2 : 0;
}

}  // namespace

// The reference file decoded picture by picture in presentation order, the
// way the server reads it (same timestamps, same decoder). FileSource hands
// out the access units the server sends for this file, in the payload
// format it sends them in (the file's own H.264 or H.265, or other video
// transcoded): that format's codec decodes them.
class ReferenceTrack {
 public:
  explicit ReferenceTrack(std::string path) : path_(std::move(path)) { restart(); }

  void restart() {
    source_ = std::make_unique<media::FileSource>(path_);
    codec_ = media::payload_format_for(source_->info().codec_id).codec_id;
    decoder_ =
        std::make_unique<media::VideoDecoder>(codec_, media::DecoderThreadingRequest::exactly(1));
    ready_.clear();
    current_.reset();
    eof_ = false;
  }

  // The next picture in presentation order; nullopt at the end.
  std::optional<media::DecodedFrame> next() {
    while (ready_.empty() && !eof_) {
      auto unit = source_->next();
      auto frames = unit ? decoder_->decode(unit->annexb, unit->pts_90k) : decoder_->flush();
      if (!unit) eof_ = true;
      for (auto& f : frames) ready_.push_back(std::move(f));
    }
    if (ready_.empty()) return std::nullopt;
    auto f = std::move(ready_.front());
    ready_.pop_front();
    return f;
  }

  // The picture presented at pts, skipping earlier ones; nullptr when the
  // reference has none there. Calls must not go back in time. A stream that
  // loops (--loop) runs past the end: the file is read again with its
  // timestamps continued, as the server does.
  const media::DecodedFrame* at(int64_t pts) {
    bool rewound = false;
    while (!current_ || current_->pts_90k < pts) {
      auto f = next();
      if (!f) {
        if (rewound || !current_) return nullptr;
        source_->rewind();
        decoder_ = std::make_unique<media::VideoDecoder>(
            codec_, media::DecoderThreadingRequest::exactly(1));
        eof_ = false;
        rewound = true;
        continue;
      }
      current_ = std::move(*f);
    }
    return current_->pts_90k == pts ? &*current_ : nullptr;
  }

 private:
  std::string path_;
  std::unique_ptr<media::FileSource> source_;
  AVCodecID codec_ = AV_CODEC_ID_NONE;  // what source_ hands out
  std::unique_ptr<media::VideoDecoder> decoder_;
  std::deque<media::DecodedFrame> ready_;
  std::optional<media::DecodedFrame> current_;
  bool eof_ = false;
};

QualityMeter::QualityMeter(QualityOptions options) : options_(std::move(options)) {
  if (options_.reference) reference_ = std::make_unique<ReferenceTrack>(*options_.reference);
}

QualityMeter::~QualityMeter() {
  finish();
}

void QualityMeter::start() {
  worker_ = std::thread([this] { run(); });
}

void QualityMeter::submit(const media::Frame& frame, int64_t pts_90k, double t_ms, bool corrupt,
                          bool tainted) {
  if (!frame) return;
  const size_t bytes = picture_bytes(frame.get());
  std::lock_guard lock(mutex_);
  if (finishing_) return;
  if (queued_bytes_ + bytes > kMaxQueuedBytes) {
    ++not_compared_;
    return;
  }
  queued_bytes_ += bytes;
  queue_.push_back({frame.ref(), pts_90k, t_ms, corrupt, tainted});
  wake_.notify_one();
}

void QualityMeter::finish() {
  {
    std::lock_guard lock(mutex_);
    finishing_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::optional<double> QualityMeter::recent_psnr() const {
  std::lock_guard lock(mutex_);
  return recent_psnr_;
}

void QualityMeter::run() {
  for (;;) {
    ShownPicture p;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) break;
      p = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= picture_bytes(p.frame.get());
    }
    process(std::move(p));
  }
  // The stream ended before a clean picture fixed the pairing.
  for (auto& p : unaligned_) {
    FrameQuality row{p.t_ms, p.pts_90k, std::nullopt, p.corrupt, p.tainted};
    ++unmatched_;
    consider_snapshots(p, row);
    rows_.push_back(row);
  }
  unaligned_.clear();
  if (worst_ && options_.snapshot_dir) {
    save(worst_->frame, "worst", *worst_, worst_psnr_);
    save(worst_reference_, "worst-reference", *worst_, std::nullopt);
  }
  worst_.reset();
  worst_reference_.reset();
}

void QualityMeter::process(ShownPicture p) {
  auto handle = [this](const ShownPicture& q) {
    FrameQuality row{q.t_ms, q.pts_90k, std::nullopt, q.corrupt, q.tainted};
    if (reference_) compare(q, row);
    consider_snapshots(q, row);
    rows_.push_back(row);
  };
  if (reference_ && !offset_90k_ && !mismatch_) {
    unaligned_.push_back(std::move(p));
    const ShownPicture& last = unaligned_.back();
    if (!last.corrupt && !last.tainted) try_align(last);
    if (offset_90k_ || mismatch_) {
      for (const auto& q : unaligned_) handle(q);
      unaligned_.clear();
    } else if (unaligned_.size() > kMaxUnaligned) {
      handle(unaligned_.front());
      unaligned_.pop_front();
    }
    return;
  }
  handle(p);
}

void QualityMeter::try_align(const ShownPicture& clean) {
  double best_mse = -1;
  int64_t best_pts = 0;
  try {
    reference_->restart();
    std::optional<int64_t> first;
    while (auto r = reference_->next()) {
      if (!first) first = r->pts_90k;
      if (r->pts_90k - *first > kAlignWindow90k) break;
      const double mse = media::luma_mse(*clean.frame.get(), *r->frame.get());
      if (best_mse < 0 || mse < best_mse) {
        best_mse = mse;
        best_pts = r->pts_90k;
      }
      if (mse == 0) break;
    }
    reference_->restart();
  } catch (const std::exception& e) {
    reference_error_ = e.what();
    mismatch_ = true;
  }
  if (!mismatch_ && best_mse < 0) {
    reference_error_ = "the reference has no pictures";
    mismatch_ = true;
  }
  if (!mismatch_) {
    best_alignment_psnr_ = media::psnr_from_mse(best_mse);
    if (best_alignment_psnr_ < kAlignMinPsnr) {
      char text[160];
      std::snprintf(text, sizeof text,
                    "no picture of its first 20 s matches the stream's first clean picture "
                    "(best %.1f dB)",
                    best_alignment_psnr_);
      reference_error_ = text;
      mismatch_ = true;
    } else {
      offset_90k_ = clean.pts_90k - best_pts;
    }
  }
  if (mismatch_)
    std::fprintf(stderr,
                 "flowcast-client: warning: no PSNR: --reference %s: %s. Is the server "
                 "streaming that file?\n",
                 options_.reference->c_str(), reference_error_.c_str());
}

void QualityMeter::compare(const ShownPicture& p, FrameQuality& row) {
  if (!offset_90k_ || mismatch_) {
    ++unmatched_;
    return;
  }
  const media::DecodedFrame* ref = nullptr;
  try {
    ref = reference_->at(p.pts_90k - *offset_90k_);
  } catch (const std::exception& e) {
    // The reference file broke off: what was compared stands.
    if (reference_error_.empty()) {
      reference_error_ = e.what();
      std::fprintf(stderr, "flowcast-client: warning: --reference %s: %s\n",
                   options_.reference->c_str(), e.what());
    }
  }
  if (!ref) {
    ++unmatched_;
    return;
  }
  double mse;
  try {
    mse = media::luma_mse(*p.frame.get(), *ref->frame.get());
  } catch (const std::invalid_argument&) {
    ++unmatched_;  // the stream changed size
    return;
  }
  accumulator_.add(mse);
  row.psnr = media::psnr_from_mse(mse);
  {
    std::lock_guard lock(mutex_);
    recent_psnr_ = row.psnr;
  }
  if (options_.snapshot_dir && *row.psnr < worst_psnr_) {
    worst_psnr_ = *row.psnr;
    worst_ = ShownPicture{p.frame.ref(), p.pts_90k, p.t_ms, p.corrupt, p.tainted};
    worst_reference_ = ref->frame.ref();
  }
}

int QualityMeter::snapshot_budget_left() const {
  int reserved = (clean_saved_ ? 0 : 1) + (reference_ ? 2 : 0);
  return options_.snapshot_max - static_cast<int>(snapshots_.size()) - reserved;
}

void QualityMeter::consider_snapshots(const ShownPicture& p, const FrameQuality& row) {
  if (!options_.snapshot_dir) return;
  // Flagged pictures, unless the reference shows them intact after all.
  const bool damaged = (p.corrupt || p.tainted) && (!row.psnr || *row.psnr < media::kPsnrCap);
  if (damaged && clean_run_ >= kEpisodeGap) {
    // The first damaged picture of a loss episode.
    ++episodes_;
    if (snapshot_budget_left() > 0) {
      // "damaged-01-tainted": damaged, and why (the decoder's flag, or the
      // loss before it).
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, "-%02d-%s", episodes_,
                    p.corrupt ? "corrupt" : "tainted");
      save(p.frame, "damaged", p, row.psnr, suffix);
    }
  }
  clean_run_ = damaged ? 0 : clean_run_ + 1;
  if (!damaged && !clean_saved_ && snapshot_budget_left() + 1 > 0 &&
      (!row.psnr || *row.psnr >= media::kPsnrCap)) {
    clean_saved_ = true;
    save(p.frame, "clean", p, row.psnr);
  }
}

void QualityMeter::save(const media::Frame& frame, const std::string& kind, const ShownPicture& p,
                        std::optional<double> psnr, const std::string& suffix) {
  if (!frame || static_cast<int>(snapshots_.size()) >= options_.snapshot_max) return;
  char name[96];
  std::snprintf(name, sizeof name, "%s%s-t%06.0fms.png", kind.c_str(), suffix.c_str(), p.t_ms);
  const std::string path = (std::filesystem::path(*options_.snapshot_dir) / name).string();
  try {
    media::write_png(path, frame);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flowcast-client: warning: snapshot %s not written: %s\n", path.c_str(),
                 e.what());
    return;
  }
  snapshots_.push_back({path, kind, p.t_ms, p.pts_90k, psnr});
}

double QualityMeter::source_pts_ms(int64_t stream_pts_90k) const {
  const int64_t pts = offset_90k_ ? stream_pts_90k - *offset_90k_ : stream_pts_90k;
  return static_cast<double>(pts) / 90.0;
}

Quality QualityMeter::quality() const {
  Quality q;
  if (!reference_) return q;
  if (accumulator_.frames() > 0) {
    q.figures.psnr_mean = accumulator_.psnr_mean();
    q.figures.psnr_min = accumulator_.psnr_min();
    q.figures.mos_mean = accumulator_.mos_mean();
  }
  ReferenceComparison& c = q.comparison.emplace();
  c.reference = *options_.reference;
  c.reference_matched = offset_90k_.has_value() && !mismatch_;
  c.frames_compared = accumulator_.frames();
  c.frames_unmatched = unmatched_;
  c.frames_not_compared = not_compared_;
  for (size_t i = 0; i < 5; ++i)
    c.mos_histogram[std::to_string(i + 1)] = accumulator_.mos_histogram()[i];
  for (const auto& r : rows_) {
    if (!r.psnr) continue;
    c.per_frame.push_back(
        {r.t_ms, source_pts_ms(r.pts_90k), *r.psnr, media::mos_from_psnr(*r.psnr)});
  }
  if (!reference_error_.empty()) q.error = ReferenceError{reference_error_};
  return q;
}

std::vector<SnapshotRecord> QualityMeter::snapshot_records() const {
  std::vector<SnapshotRecord> out;
  for (const auto& s : snapshots_)
    out.push_back({s.file, s.kind, s.t_ms, source_pts_ms(s.pts_90k), s.psnr});
  return out;
}

bool QualityMeter::write_frames_csv(const std::string& path, std::string& error) const {
  std::ostringstream csv;
  csv << kFramesCsvHeader;
  char line[128];
  for (const auto& r : rows_) {
    std::snprintf(line, sizeof line, "%.1f,%.1f,", r.t_ms, source_pts_ms(r.pts_90k));
    csv << line;
    if (r.psnr) {
      std::snprintf(line, sizeof line, "%.3f,%d", *r.psnr, media::mos_from_psnr(*r.psnr));
      csv << line;
    } else {
      csv << ',';
    }
    csv << ',' << (r.corrupt ? 1 : 0) << ',' << (r.tainted ? 1 : 0) << '\n';
  }
  return common::write_file_atomic(path, csv.str(), error);
}

}  // namespace flowcast::client
