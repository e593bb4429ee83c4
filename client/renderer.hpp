#pragma once
// The Writable end of the pipeline. Main thread only (SDL needs it).
#include <string>

extern "C" {
#include <libavutil/frame.h>
}

namespace flowcast::client {

enum class UserAction { none, quit };

class Renderer {
 public:
  virtual ~Renderer() = default;
  // Shows the picture now. Borrows frame.
  virtual void show(const AVFrame* frame) = 0;
  // Handles pending window events; returns what the user asked for.
  virtual UserAction poll() = 0;
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
