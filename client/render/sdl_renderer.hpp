#pragma once
// An SDL2 window showing YUV pictures through a streaming texture, aspect
// kept (letterboxed), with an overlay drawn by SDL2_ttf: the state, the
// kernel and receive buffer fills as bars, and the running counters.
// Keys: q/Esc quit, o overlay, f full screen, s save a PNG of the window,
// b hold the network reader busy (toggle). Main thread only, but wake().
// The render loop waits in SDL's event queue (SDL_WaitEventTimeout), so a
// key wakes it; wake() pushes an event of flowcast's own to end the wait.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "client/render/renderer.hpp"

struct SDL_Window;
struct SDL_Renderer;
struct SDL_Texture;
struct SwsContext;
typedef struct _TTF_Font TTF_Font;

namespace flowcast::client {

class SdlRenderer : public Renderer {
 public:
  // Opens the window. snapshot_dir: where `s` saves PNGs ("" = the current
  // folder). Throws std::runtime_error with SDL's reason when there is no
  // usable display.
  SdlRenderer(const std::string& title, std::string snapshot_dir);
  ~SdlRenderer() override;

  void show(const AVFrame* frame) override;
  UserAction poll() override;
  void wait_until(std::chrono::steady_clock::time_point deadline) override;
  void wake() override;
  void set_status(const PlaybackStatus& status) override;
  bool headless() const override { return false; }

 private:
  void present();
  void render();
  void draw_overlay();
  void draw_text(const std::string& text, int x, int y, uint8_t r, uint8_t g, uint8_t b);
  void draw_bar(int x, int y, int w, int h, double fill, std::optional<double> mark, uint8_t r,
                uint8_t g, uint8_t b);
  void save_png();

  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  SDL_Texture* texture_ = nullptr;
  TTF_Font* font_ = nullptr;
  int font_px_ = 0;
  int tex_w_ = 0, tex_h_ = 0;
  SwsContext* sws_ = nullptr;
  AVFrame* converted_ = nullptr;
  bool sized_ = false;
  bool overlay_ = true;
  bool fullscreen_ = false;
  std::string snapshot_dir_;
  int saved_ = 0;
  std::optional<PlaybackStatus> status_;
  uint32_t wake_event_ = 0;  // SDL_RegisterEvents' type for wake()
  // A wake event is in SDL's queue, not yet polled: wake() adds no other.
  std::atomic<bool> wake_queued_{false};
};

}  // namespace flowcast::client
