#pragma once
// The four kinds of stream, as Node.js has them, for the stages of the
// pipeline. Values are moved through, never copied.
//
// - Writable<T>: write() takes a value and returns false once the stage holds
//   more than its high-water mark; the writer then stops and waits for
//   "drain" (the on_drain callback, or a blocking wait on a queue).
// - Readable<T>: produces values into the Writable it is piped to, and
//   honours that Writable's backpressure.
// - Transform<In, Out>: a Writable of In that is a Readable of Out; what it
//   makes of a write goes straight to its destination, and the destination's
//   backpressure is its own.
// - Duplex<In, Out>: both ends, independent (a socket: RTCP in, RTP out).
//
// A stage hands on what it holds back when it is full, when it ends (end()),
// and on a timer (the stage's own clock; the receive buffer's is the
// playout clock).
//
// Threads: a stage says in its own header which thread writes and which
// thread reads; the drain callback runs on the thread that freed the space.
#include <functional>
#include <mutex>
#include <utility>

namespace flowcast::common {

template <typename T>
class Writable {
 public:
  virtual ~Writable() = default;
  // Hands value over. false: past the high-water mark, wait for drain before
  // writing more (the value itself was taken, or dropped and counted, as the
  // stage's policy says).
  virtual bool write(T value) = 0;
  // No more writes: flushes, then ends downstream.
  virtual void end() = 0;

  // cb runs once each time the stage falls back below its mark after a
  // write returned false.
  void on_drain(std::function<void()> cb) {
    std::lock_guard lock(drain_mutex_);
    drain_ = std::move(cb);
  }

 protected:
  void emit_drain() {
    std::function<void()> cb;
    {
      std::lock_guard lock(drain_mutex_);
      cb = drain_;
    }
    if (cb) cb();
  }

 private:
  std::mutex drain_mutex_;
  std::function<void()> drain_;
};

template <typename T>
class Readable {
 public:
  virtual ~Readable() = default;
  // Sets where values go. Borrows dest, which must outlive this stage.
  void pipe(Writable<T>& dest) { dest_ = &dest; }
  // Values go nowhere from now on (the destination is about to go).
  void unpipe() { dest_ = nullptr; }

 protected:
  // Writes downstream; false is the destination's backpressure.
  bool push(T value) { return dest_ ? dest_->write(std::move(value)) : true; }
  void end_downstream() {
    if (dest_) dest_->end();
  }

 private:
  Writable<T>* dest_ = nullptr;
};

template <typename In, typename Out>
class Transform : public Writable<In>, public Readable<Out> {
 public:
  bool write(In value) override { return transform(std::move(value)); }
  void end() override {
    flush_held();
    this->end_downstream();
  }

 protected:
  // Makes zero or more Outs of one In and push()es them; returns the
  // result of the pushes (false if any met backpressure).
  virtual bool transform(In value) = 0;
  // Pushes what the transform holds (a decoder's reordering delay).
  virtual void flush_held() {}
};

template <typename In, typename Out>
class Duplex : public Writable<In>, public Readable<Out> {};

}  // namespace flowcast::common
