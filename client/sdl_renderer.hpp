#pragma once
// An SDL2 window showing YUV pictures through a streaming texture, aspect
// kept (letterboxed). q or Esc quits. Main thread only.
#include <memory>
#include <stdexcept>
#include <string>

#include "client/renderer.hpp"

struct SDL_Window;
struct SDL_Renderer;
struct SDL_Texture;
struct SwsContext;

namespace flowcast::client {

class SdlRenderer : public Renderer {
 public:
  // Opens the window. Throws std::runtime_error with SDL's reason when there
  // is no usable display.
  explicit SdlRenderer(const std::string& title);
  ~SdlRenderer() override;

  void show(const AVFrame* frame) override;
  UserAction poll() override;
  bool headless() const override { return false; }

 private:
  void present();

  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  SDL_Texture* texture_ = nullptr;
  int tex_w_ = 0, tex_h_ = 0;
  SwsContext* sws_ = nullptr;
  AVFrame* converted_ = nullptr;
  bool sized_ = false;
};

}  // namespace flowcast::client
