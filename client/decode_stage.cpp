#include "client/decode_stage.hpp"

#include "media/h264_decoder.hpp"
#include "media/h264_packetizer.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

DecodeStage::DecodeStage(const ClientOptions& options, ReceiveBuffer& buffer, PlayoutClock& clock,
                         NetworkSource& source, common::BoundedQueue<RenderFrame>& out)
    : options_(options), buffer_(buffer), clock_(clock), source_(source), out_(out) {}

DecodeStage::~DecodeStage() { stop(); }

void DecodeStage::start() {
  thread_ = std::thread([this] { run(); });
}

void DecodeStage::stop() {
  stop_ = true;
  {
    std::lock_guard lock(buffer_.mutex());
    buffer_.changed().notify_all();
  }
  out_.close();
  if (thread_.joinable()) thread_.join();
}

DecodeCounters DecodeStage::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<media::FrameMd5Line> DecodeStage::digests() const {
  std::lock_guard lock(mutex_);
  return digests_;
}

void DecodeStage::run() {
  media::H264Decoder decoder;
  decoder_ = &decoder;
  while (!stop_) {
    std::optional<AccessUnitPayloads> au;
    {
      std::unique_lock lock(buffer_.mutex());
      const PlayState state = clock_.state();
      if (state == PlayState::starting || state == PlayState::stalled) {
        // Startup and rebuffering: wait until enough media is held.
        const auto need = state == PlayState::starting ? options_.buffer
                                                       : options_.rebuffer_or_default();
        buffer_.changed().wait_for(lock, milliseconds(50), [&] {
          return stop_ || buffer_.end_of_stream() ||
                 (!buffer_.empty() && buffer_.buffered() >= need);
        });
        if (stop_) break;
        if (buffer_.empty()) {
          if (buffer_.end_of_stream()) break;
          continue;
        }
        if (buffer_.buffered() < need && !buffer_.end_of_stream()) continue;
        if (state == PlayState::starting)
          clock_.start(Clock::now(), *buffer_.front_timestamp());
        else
          clock_.resume(Clock::now());
      }
      au = buffer_.take_complete();
      if (!au) {
        if (buffer_.empty() && buffer_.end_of_stream()) break;
        auto front = buffer_.front_timestamp();
        auto due = front ? clock_.due(*front) : std::nullopt;
        if (front && due && Clock::now() >= *due && buffer_.has_later_data()) {
          // Due, and later data is here: the missing packets are a loss.
          au = buffer_.take_incomplete();
        } else if (front && buffer_.end_of_stream() && !buffer_.has_later_data()) {
          // The last access unit, cut short: play what arrived.
          au = buffer_.take_incomplete_at_end();
        } else {
          auto until = due && *due > Clock::now() ? std::min(*due, Clock::now() + milliseconds(50))
                                                  : Clock::now() + milliseconds(50);
          buffer_.changed().wait_until(lock, until);
          continue;
        }
      }
    }
    source_.notify_drained();
    if (au) decode(*au);
  }
  if (!stop_) emit(decoder.flush());
  decoder_ = nullptr;
  finished_ = true;
  out_.close();
}

void DecodeStage::decode(const AccessUnitPayloads& au) {
  media::H264Depacketizer depacketizer;
  for (size_t i = 0; i < au.payloads.size(); ++i)
    depacketizer.push(au.payloads[i], au.gap_before[i]);
  auto assembled = depacketizer.finish();
  const bool complete = au.complete && assembled.complete;
  {
    std::lock_guard lock(mutex_);
    ++counters_.access_units;
    if (!complete) ++counters_.incomplete_access_units;
    counters_.dropped_nals += assembled.dropped_nals;
  }
  if (assembled.has_idr && complete) tainted_ = false;
  if (!complete) tainted_ = true;
  if (au.send_time_us) {
    send_times_[au.timestamp] = *au.send_time_us;
    while (send_times_.size() > 256) send_times_.erase(send_times_.begin());
  }
  auto frames = decoder_->decode(assembled.annexb, au.timestamp);
  {
    std::lock_guard lock(mutex_);
    counters_.rejected = decoder_->rejected();
  }
  emit(std::move(frames));
}

void DecodeStage::emit(std::vector<media::DecodedFrame> frames) {
  for (auto& df : frames) {
    RenderFrame rf;
    rf.pts_90k = df.pts_90k;
    rf.corrupt = df.corrupt;
    rf.tainted = tainted_ && !df.corrupt;
    if (auto it = send_times_.find(df.pts_90k); it != send_times_.end()) {
      rf.send_time_us = it->second;
      send_times_.erase(it);
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.decoded;
      if (df.corrupt) ++counters_.corrupt;
      if (options_.framemd5_path) digests_.push_back(media::framemd5_line(df.frame, df.pts_90k));
    }
    rf.frame = std::move(df.frame);
    if (!out_.push(std::move(rf))) return;
  }
}

}  // namespace flowcast::client
