#pragma once
// A bounded queue between two threads, and a Writable stream stage: write()
// never blocks, and returns false once the queue holds its high-water mark;
// a writer on its own thread then blocks in wait_for_drain(). The reader
// pops, blocking while the queue is empty. end() closes the queue and wakes
// every waiter; what is written after that is discarded, and counted
// (discarded()), so a writer that raced the close loses nothing unseen.
// Values are moved, never copied. A reader that waits on other things as
// well (a render loop) hears of the queue through on_ready().
//
// A resume mark below the high-water mark gives hysteresis: a writer stopped
// at the high-water mark is let go (wait_for_drain returns, drain is
// emitted) only once pops have taken the queue below the resume mark, so it
// then writes several values back to back instead of one per pop.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "common/stream/stream.hpp"

namespace flowcast::common {

template <typename T>
class BoundedQueue : public Writable<T> {
 public:
  // high_water: the values held at which write() says false (0 counts as 1).
  // resume_below: a writer stopped there goes on once fewer are held; 0 or
  // more than high_water: high_water (no hysteresis).
  explicit BoundedQueue(size_t high_water, size_t resume_below = 0)
      : high_water_(high_water ? high_water : 1),
        resume_below_(resume_below && resume_below <= high_water_ ? resume_below : high_water_) {}

  // Calls ready on the writer's thread, outside the queue's lock, when a
  // write finds the queue empty and when it closes: the moments a reader
  // with nothing to take must look again. Set it before the first write.
  void on_ready(std::function<void()> ready) { ready_ = std::move(ready); }

  // Takes value (dropped once closed). false: at or past the mark.
  bool write(T value) override {
    bool first = false, below_mark = true;
    {
      std::lock_guard lock(mutex_);
      if (closed_) {
        ++discarded_;
        return false;
      }
      first = items_.empty();
      items_.push_back(std::move(value));
      not_empty_.notify_one();
      if (items_.size() >= high_water_) {
        writer_waiting_ = true;
        below_mark = false;
      }
    }
    if (first && ready_) ready_();
    return below_mark;
  }

  // Blocks until the queue is below its resume mark or closed. false once
  // closed.
  bool wait_for_drain() {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < resume_below_; });
    return !closed_;
  }

  // The queue holds nothing back: flushing is the reader's business.
  void end() override { close(); }

  // Blocks while empty. nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    return take(lock);
  }

  // Blocks until an item is there, the queue closes, or the deadline passes;
  // true when an item is there.
  template <typename Clock, typename Duration>
  bool wait_until_not_empty(const std::chrono::time_point<Clock, Duration>& deadline) {
    std::unique_lock lock(mutex_);
    return not_empty_.wait_until(lock, deadline, [&] { return closed_ || !items_.empty(); }) &&
           !items_.empty();
  }

  // Calls f on the front item without removing it; false when empty.
  template <typename F>
  bool peek(F&& f) {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return false;
    f(items_.front());
    return true;
  }

  std::optional<T> try_pop() {
    std::unique_lock lock(mutex_);
    return take(lock);
  }

  // No more writes; pops drain what is left. Wakes every waiter.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      not_full_.notify_all();
      not_empty_.notify_all();
    }
    if (ready_) ready_();
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  // Values written after close(), and so never queued.
  size_t discarded() const {
    std::lock_guard lock(mutex_);
    return discarded_;
  }
  bool drained() const {
    std::lock_guard lock(mutex_);
    return closed_ && items_.empty();
  }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>& lock) {
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    bool drained = writer_waiting_ && items_.size() < resume_below_;
    if (drained) writer_waiting_ = false;
    if (items_.size() < resume_below_) not_full_.notify_all();
    if (drained) {
      lock.unlock();
      this->emit_drain();
    }
    return value;
  }

  std::function<void()> ready_;
  // --- Protected by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  size_t high_water_;
  size_t resume_below_;
  bool closed_ = false;
  bool writer_waiting_ = false;
  size_t discarded_ = 0;
};

}  // namespace flowcast::common
