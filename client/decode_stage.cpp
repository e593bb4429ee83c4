#include "client/decode_stage.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
// An access unit must reach the decoder this long before its presentation
// time: the decoder's reordering delay (B-frames) and the decode itself. A
// gap still open this close to the due time is a loss.
constexpr milliseconds kDecodeLead{150};
}  // namespace

DecodeStage::DecodeStage(const ClientOptions& options, ReceiveBuffer& buffer, PlayoutClock& clock,
                         common::BoundedQueue<RenderFrame>& out,
                         std::function<void()> request_keyframe)
    : options_(options), buffer_(buffer), clock_(clock), out_(out),
      depacketizer_(options.listen ? options.listen->parameter_sets : std::vector<uint8_t>{}),
      decoder_(options.on_loss, std::move(request_keyframe), options.framemd5_path.has_value(),
               options.max_picture) {
  depacketizer_.pipe(decoder_);
  decoder_.pipe(out_);
}

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

void DecodeStage::run() {
  while (!stop_) {
    auto au = next_access_unit();
    if (!au) break;
    if (!depacketizer_.write(std::move(*au))) {
      // The render queue is past its mark: wait for it to drain.
      if (!out_.wait_for_drain()) break;
    }
  }
  // End of stream: the decoder gives up the pictures it holds for reordering,
  // then the render queue closes.
  if (!stop_) depacketizer_.end();
  finished_ = true;
  out_.close();
}

std::optional<AccessUnitPayloads> DecodeStage::next_access_unit() {
  std::unique_lock lock(buffer_.mutex());
  while (!stop_) {
    const PlayState state = clock_.state();
    if (state == PlayState::starting || state == PlayState::stalled) {
      // Startup and rebuffering: wait until enough media is held. Startup
      // counts how long the front has waited (so the median latency is the
      // buffer asked, B-frames or not), which grows between packets too.
      const bool starting = state == PlayState::starting;
      const auto need = starting ? options_.buffer : options_.rebuffer_or_default();
      const auto held = [&] {
        return starting ? buffer_.held_for(Clock::now()) : buffer_.buffered();
      };
      auto until = Clock::now() + milliseconds(50);
      if (starting && !buffer_.empty()) until = std::min(until, Clock::now() + (need - held()));
      buffer_.changed().wait_until(lock, until, [&] {
        return stop_ || buffer_.end_of_stream() || (!buffer_.empty() && held() >= need) ||
               buffer_.full();
      });
      if (stop_) return std::nullopt;
      if (buffer_.empty()) {
        if (buffer_.end_of_stream()) return std::nullopt;
        continue;
      }
      // A full buffer cannot wait for more: start with what it holds.
      if (held() < need && !buffer_.end_of_stream() && !buffer_.full()) continue;
      if (state == PlayState::starting)
        clock_.start(Clock::now(), *buffer_.front_timestamp());
      else
        clock_.resume(Clock::now());
    }
    if (auto au = buffer_.take_complete()) return au;
    if (buffer_.empty()) {
      if (buffer_.end_of_stream()) return std::nullopt;
      buffer_.changed().wait_for(lock, milliseconds(50));
      continue;
    }
    const auto front = buffer_.front_timestamp();
    auto due = clock_.due(*front);
    if (due) *due -= kDecodeLead;
    if (buffer_.has_later_data() && due && Clock::now() >= *due) {
      // Due, and later data is here: the missing packets are a loss.
      return buffer_.take_incomplete();
    }
    if (buffer_.end_of_stream()) return buffer_.take_incomplete_at_end();
    // A gap, not yet due: wait for the missing packets or the due time. One
    // already due waits for the next packet instead (it may complete the
    // access unit, or be later data): a deadline in the past would spin.
    const auto now = Clock::now();
    const auto until = due && *due > now ? std::min(*due, now + milliseconds(50))
                                         : now + milliseconds(50);
    buffer_.changed().wait_until(lock, until);
  }
  return std::nullopt;
}

}  // namespace flowcast::client
