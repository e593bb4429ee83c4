#pragma once
// The Writable end of the pipeline. Main thread only (SDL needs it).
#include <string>

#include "client/decode/coded_access_unit.hpp"
#include "client/render/playback_status.hpp"
#include "common/stream/stream.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace flowcast::client {

enum class UserAction { none, quit, toggle_busy };

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
  // The figures to draw over the picture (about 10 times a second).
  virtual void set_status(const PlaybackStatus&) {}
  virtual bool headless() const = 0;
};

// Plays with the same timing but shows nothing.
class HeadlessRenderer : public Renderer {
 public:
  void show(const AVFrame*) override {}
  UserAction poll() override { return UserAction::none; }
  bool headless() const override { return true; }
};

}  // namespace flowcast::client
