#include "server/source/file_reader.hpp"

namespace flowcast::server {

FileReader::FileReader(const std::string& path, bool loop, std::function<void()> wake,
                       int64_t start_90k, bool audio)
    : source_(path, audio),
      format_(media::find_payload_format(source_.info().codec_id)),
      loop_(loop),
      wake_(std::move(wake)) {
  if (!format_) throw media::SourceError("no RTP payload format for " + source_.info().codec_name);
  if (source_.info().audio)
    audio_format_ = media::find_audio_payload_format(source_.info().audio->codec_id);
  if (start_90k > 0) {
    try {
      start_90k_ = source_.seek(start_90k);
    } catch (const std::exception& e) {
      throw media::SourceError(std::string("cannot seek: ") + e.what());
    }
  }
  const auto& sound = source_.info().audio;
  if (source_.info().transcoded || (sound && sound->transcoded))
    worker_ = std::thread([this] { run(); });
}

const media::PayloadFormat& FileReader::format(size_t stream) const {
  return stream == 1 && audio_format_ ? *audio_format_ : *format_;
}

FileReader::~FileReader() {
  // Wakes a worker waiting for room; one in the middle of a frame finishes it.
  ahead_.close();
  if (worker_.joinable()) worker_.join();
}

std::optional<media::EncodedFrame> FileReader::read() {
  auto frame = source_.next();
  if (!frame && loop_) {
    source_.rewind();
    frame = source_.next();
  }
  discontinuities_.store(source_.discontinuities());
  return frame;
}

FileReader::Next FileReader::next() {
  Next next;
  if (!threaded()) {
    try {
      next.frame = read();
    } catch (const std::exception& e) {
      next.error = e.what();
    }
    return next;
  }
  // Said before looking, so a frame written in between wakes us (at worst
  // once too often).
  waiting_.store(true);
  next.frame = ahead_.try_pop();
  if (next.frame) {
    waiting_.store(false);
    return next;
  }
  if (done_.load()) {
    // The worker's last write came before done_: whatever is left is here.
    next.frame = ahead_.try_pop();
    if (!next.frame) {
      std::lock_guard lock(error_mutex_);
      next.error = error_;
    }
    waiting_.store(false);
    return next;
  }
  next.pending = true;
  return next;
}

void FileReader::run() {
  try {
    for (;;) {
      auto frame = read();
      if (!frame) break;
      const bool room = ahead_.write(std::move(*frame));
      if (waiting_.exchange(false)) wake_();
      // Full: the session is behind (held back, or the frames are not due
      // yet). Closed: the session is going.
      if (!room && !ahead_.wait_for_drain()) return;
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(error_mutex_);
    error_ = e.what();
  }
  done_.store(true);
  if (waiting_.exchange(false)) wake_();
}

}  // namespace flowcast::server
