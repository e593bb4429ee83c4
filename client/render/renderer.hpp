#pragma once
// The Writable end of the pipeline, and where the render loop waits. Main
// thread only (SDL needs it), but wake(), which any thread may call.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "client/decode/coded_access_unit.hpp"
#include "client/render/playback_status.hpp"
#include "common/stream/stream.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace flowcast::client {

enum class UserAction { none, quit, toggle_busy, toggle_mute };

// A Writable of pictures: write() shows one now. Never pushes back; the
// playout clock decides when to write.
class Renderer : public common::Writable<RenderFrame> {
 public:
  bool write(RenderFrame frame) override {
    if (frame.frame) show(frame.frame.get());
    return true;
  }
  void end() override {}
  // Shows the picture now. Borrows frame.
  virtual void show(const AVFrame* frame) = 0;
  // Handles pending window events; returns what the user asked for.
  virtual UserAction poll() = 0;
  // Blocks until `deadline`, a window event (poll() then handles it), or
  // wake(), whichever comes first.
  virtual void wait_until(std::chrono::steady_clock::time_point deadline) = 0;
  // Ends the current or the next wait_until() early. Any thread; not from a
  // signal handler.
  virtual void wake() = 0;
  // The figures to draw over the picture (about 10 times a second).
  virtual void set_status(const PlaybackStatus&) {}
  virtual bool headless() const = 0;
};

// Plays with the same timing but shows nothing; no window, so no input.
class HeadlessRenderer : public Renderer {
 public:
  void show(const AVFrame*) override {}
  UserAction poll() override { return UserAction::none; }
  void wait_until(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(mutex_);
    woken_cv_.wait_until(lock, deadline, [this] { return woken_; });
    woken_ = false;
  }
  void wake() override {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    woken_cv_.notify_one();
  }
  bool headless() const override { return true; }

 private:
  std::mutex mutex_;
  std::condition_variable woken_cv_;
  bool woken_ = false;  // wake() came since the last wait ended
};

}  // namespace flowcast::client
