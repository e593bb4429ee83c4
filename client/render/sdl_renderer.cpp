#include "client/render/sdl_renderer.hpp"

#include <SDL.h>
#include <SDL_ttf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "media/quality/png_writer.hpp"

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

namespace flowcast::client {

namespace {
constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
}  // namespace

SdlRenderer::SdlRenderer(const std::string& title, std::string snapshot_dir)
    : snapshot_dir_(std::move(snapshot_dir)) {
  // flowcast handles SIGINT/SIGTERM itself and writes its metrics.
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
    throw std::runtime_error(std::string("cannot open a window: ") + SDL_GetError());
  window_ = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 1280,
                             720, SDL_WINDOW_RESIZABLE | SDL_WINDOW_HIDDEN);
  if (!window_) {
    std::string why = SDL_GetError();
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    throw std::runtime_error("cannot open a window: " + why);
  }
  renderer_ = SDL_CreateRenderer(window_, -1, 0);
  if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
  if (!renderer_) {
    std::string why = SDL_GetError();
    SDL_DestroyWindow(window_);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    throw std::runtime_error("cannot create a renderer: " + why);
  }
  wake_event_ = SDL_RegisterEvents(1);
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_RenderClear(renderer_);
  SDL_ShowWindow(window_);
  SDL_RenderPresent(renderer_);
  if (TTF_WasInit() || TTF_Init() == 0) {
    font_px_ = 15;
    font_ = TTF_OpenFont(kFontPath, font_px_);
  }
  if (!font_)
    std::fprintf(stderr,
                 "flowcast-client: no overlay text: cannot load %s (install fonts-dejavu-core)\n",
                 kFontPath);
}

SdlRenderer::~SdlRenderer() {
  if (font_) TTF_CloseFont(font_);
  if (TTF_WasInit()) TTF_Quit();
  if (converted_) av_frame_free(&converted_);
  sws_freeContext(sws_);
  if (texture_) SDL_DestroyTexture(texture_);
  if (renderer_) SDL_DestroyRenderer(renderer_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

void SdlRenderer::show(const AVFrame* frame) {
  if (!frame || frame->width <= 0 || frame->height <= 0) return;
  if (!texture_ || tex_w_ != frame->width || tex_h_ != frame->height) {
    if (texture_) SDL_DestroyTexture(texture_);
    texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                 frame->width, frame->height);
    if (!texture_) return;
    tex_w_ = frame->width;
    tex_h_ = frame->height;
    if (!sized_) {
      // Open at the stream's size, within a 1280-wide window.
      int w = std::min(frame->width, 1280);
      int h = frame->height * w / frame->width;
      SDL_SetWindowSize(window_, w, h);
      SDL_SetWindowPosition(window_, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
      sized_ = true;
    }
  }
  const AVFrame* src = frame;
  if (frame->format != AV_PIX_FMT_YUV420P && frame->format != AV_PIX_FMT_YUVJ420P) {
    // Other layouts (4:2:2, 10-bit) are converted; 4:2:0 is uploaded as is.
    sws_ = sws_getCachedContext(
        sws_, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), frame->width,
        frame->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!sws_) return;
    if (!converted_ || converted_->width != frame->width || converted_->height != frame->height) {
      if (converted_) av_frame_free(&converted_);
      converted_ = av_frame_alloc();
      converted_->width = frame->width;
      converted_->height = frame->height;
      converted_->format = AV_PIX_FMT_YUV420P;
      if (av_frame_get_buffer(converted_, 0) < 0) return;
    }
    sws_scale(sws_, frame->data, frame->linesize, 0, frame->height, converted_->data,
              converted_->linesize);
    src = converted_;
  }
  SDL_UpdateYUVTexture(texture_, nullptr, src->data[0], src->linesize[0], src->data[1],
                       src->linesize[1], src->data[2], src->linesize[2]);
  present();
}

void SdlRenderer::present() {
  render();
  SDL_RenderPresent(renderer_);
}

void SdlRenderer::render() {
  int out_w = 0, out_h = 0;
  SDL_GetRendererOutputSize(renderer_, &out_w, &out_h);
  SDL_Rect dst{0, 0, out_w, out_h};
  if (tex_w_ > 0 && tex_h_ > 0 && out_w > 0 && out_h > 0) {
    // Keep the picture's aspect: fit, then centre.
    if (int64_t{out_w} * tex_h_ > int64_t{out_h} * tex_w_) {
      dst.w = static_cast<int>(int64_t{out_h} * tex_w_ / tex_h_);
      dst.x = (out_w - dst.w) / 2;
    } else {
      dst.h = static_cast<int>(int64_t{out_w} * tex_h_ / tex_w_);
      dst.y = (out_h - dst.h) / 2;
    }
  }
  wake_event_ = SDL_RegisterEvents(1);
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_RenderClear(renderer_);
  if (texture_) SDL_RenderCopy(renderer_, texture_, nullptr, &dst);
  if (overlay_ && status_) draw_overlay();
}

void SdlRenderer::set_status(const PlaybackStatus& status) {
  status_ = status;
  present();
}

void SdlRenderer::draw_text(const std::string& text, int x, int y, uint8_t r, uint8_t g,
                            uint8_t b) {
  if (!font_ || text.empty()) return;
  SDL_Surface* surface = TTF_RenderUTF8_Blended(font_, text.c_str(), SDL_Color{r, g, b, 255});
  if (!surface) return;
  SDL_Texture* tex = SDL_CreateTextureFromSurface(renderer_, surface);
  if (tex) {
    SDL_Rect dst{x, y, surface->w, surface->h};
    SDL_RenderCopy(renderer_, tex, nullptr, &dst);
    SDL_DestroyTexture(tex);
  }
  SDL_FreeSurface(surface);
}

void SdlRenderer::draw_bar(int x, int y, int w, int h, double fill, std::optional<double> mark,
                           uint8_t r, uint8_t g, uint8_t b) {
  fill = std::clamp(fill, 0.0, 1.0);
  SDL_Rect frame{x, y, w, h};
  SDL_SetRenderDrawColor(renderer_, 60, 60, 60, 255);
  SDL_RenderFillRect(renderer_, &frame);
  SDL_Rect filled{x, y, static_cast<int>(w * fill), h};
  SDL_SetRenderDrawColor(renderer_, r, g, b, 255);
  SDL_RenderFillRect(renderer_, &filled);
  SDL_SetRenderDrawColor(renderer_, 200, 200, 200, 255);
  SDL_RenderDrawRect(renderer_, &frame);
  if (mark) {
    // The high-water mark: what playback needs before it starts or resumes.
    const int mx = x + static_cast<int>(w * std::clamp(*mark, 0.0, 1.0));
    SDL_SetRenderDrawColor(renderer_, 255, 255, 255, 255);
    SDL_RenderDrawLine(renderer_, mx, y - 3, mx, y + h + 2);
  }
}

void SdlRenderer::draw_overlay() {
  const PlaybackStatus& s = *status_;
  const int line = font_px_ + 6;
  const int x0 = 8, y0 = 8, width = 470, height = (s.audio ? 10 : 8) * line + 8;
  SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_BLEND);
  SDL_Rect panel{x0, y0, width, height};
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 215);
  SDL_RenderFillRect(renderer_, &panel);
  SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_NONE);
  int y = y0 + 6;
  const int x = x0 + 8;
  // The state, in a colour of its own: green playing, amber playing a
  // damaged picture, yellow joining or rebuffering, blue frozen, grey
  // waiting or ended.
  const std::string state = s.state_text();
  uint8_t r = 80, g = 220, b = 80;
  if (s.state == SessionState::joining || s.state == SessionState::rebuffering) {
    r = 250, g = 200, b = 40;
  } else if (s.state == SessionState::frozen) {
    r = 80, g = 200, b = 250;
  } else if (s.state == SessionState::ended || s.state == SessionState::waiting) {
    r = 180, g = 180, b = 180;
  } else if (s.damaged_now) {
    r = 250, g = 130, b = 40;
  }
  const int badge_w = s.state == SessionState::waiting ? width - 16 : 160;
  SDL_Rect badge{x - 2, y - 1, badge_w, line - 2};
  SDL_SetRenderDrawColor(renderer_, r / 3, g / 3, b / 3, 255);
  SDL_RenderFillRect(renderer_, &badge);
  draw_text(state, x + 2, y, r, g, b);
  if (s.state != SessionState::waiting)
    draw_text(s.transport + " / " + s.overflow, x + 180, y, 230, 230, 230);
  y += line;
  char buf[160];
  std::snprintf(buf, sizeof buf, "kernel %4.0fK / %.0fK%s", s.kernel_bytes / 1024.0,
                s.kernel_capacity_bytes / 1024.0, s.reader_busy ? "  (not read)" : "");
  draw_text(buf, x, y, 230, 230, 230);
  y += line;
  const double kfill =
      s.kernel_capacity_bytes ? static_cast<double>(s.kernel_bytes) / s.kernel_capacity_bytes : 0.0;
  draw_bar(x, y, width - 24, line - 8, kfill, std::nullopt, 70, 140, 250);
  y += line;
  std::snprintf(buf, sizeof buf, "buffer %5.0fms / %.0fms  %4.0fK / %.0fK", s.buffer_ms,
                s.buffer_capacity_ms, s.buffer_bytes / 1024.0, s.buffer_capacity_bytes / 1024.0);
  draw_text(buf, x, y, 230, 230, 230);
  y += line;
  const double bfill = s.buffer_capacity_ms > 0 ? s.buffer_ms / s.buffer_capacity_ms : 0.0;
  const double mark = s.buffer_capacity_ms > 0 ? s.buffer_mark_ms / s.buffer_capacity_ms : 0.0;
  draw_bar(x, y, width - 24, line - 8, bfill, mark, 80, 200, 120);
  y += line;
  std::snprintf(buf, sizeof buf, "stalls %llu (%.1fs)  freezes %llu (%.1fs)",
                static_cast<unsigned long long>(s.stalls), s.stall_ms / 1000.0,
                static_cast<unsigned long long>(s.freezes), s.freeze_ms / 1000.0);
  draw_text(buf, x, y, 230, 230, 230);
  y += line;
  std::snprintf(buf, sizeof buf, "lost %lld (%.1f%%)  late %llu  dropped k/b %llu/%llu",
                static_cast<long long>(s.lost), s.loss_percent(),
                static_cast<unsigned long long>(s.late),
                static_cast<unsigned long long>(s.dropped_kernel),
                static_cast<unsigned long long>(s.dropped_buffer));
  if (s.psnr_db >= 0) {
    const size_t used = std::strlen(buf);
    std::snprintf(buf + used, sizeof buf - used, "  PSNR %.1f dB", s.psnr_db);
  }
  draw_text(buf, x, y, 230, 230, 230);
  y += line;
  char latency[32] = "n/a";
  if (s.latency_ms) std::snprintf(latency, sizeof latency, "%.0f ms", *s.latency_ms);
  std::snprintf(buf, sizeof buf, "damaged %llu (corrupt %llu, tainted %llu)  latency %s",
                static_cast<unsigned long long>(s.damaged),
                static_cast<unsigned long long>(s.corrupt),
                static_cast<unsigned long long>(s.tainted), latency);
  if (s.dropped_late) {
    // Decoded and never shown: as much a picture not seen as a lost one.
    const size_t used = std::strlen(buf);
    std::snprintf(buf + used, sizeof buf - used, "  dropped late %llu",
                  static_cast<unsigned long long>(s.dropped_late));
  }
  draw_text(buf, x, y, 230, 230, 230);
  if (!s.audio) return;
  y += line;
  char offset[32] = "n/a";
  if (s.av_offset_ms) std::snprintf(offset, sizeof offset, "%+.0f ms", *s.av_offset_ms);
  std::snprintf(buf, sizeof buf, "A-V %s  audio level%s", offset, s.muted ? "  (muted: m)" : "");
  draw_text(buf, x, y, 230, 230, 230);
  y += line;
  draw_bar(x, y, width - 24, line - 8, std::min(1.0, s.audio_level * 2.0), std::nullopt, 230, 160,
           60);
}

void SdlRenderer::save_png() {
  int w = 0, h = 0;
  SDL_GetRendererOutputSize(renderer_, &w, &h);
  if (w <= 0 || h <= 0) return;
  // Read back a fresh drawing: after a present the back buffer is undefined.
  render();
  std::vector<uint8_t> pixels(static_cast<size_t>(w) * h * 3);
  if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGB24, pixels.data(), w * 3) != 0) {
    std::fprintf(stderr, "flowcast-client: cannot read the window: %s\n", SDL_GetError());
    SDL_RenderPresent(renderer_);
    return;
  }
  SDL_RenderPresent(renderer_);
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::string path = (snapshot_dir_.empty() ? std::string(".") : snapshot_dir_) + "/flowcast-" +
                     std::to_string(stamp) + "-" + std::to_string(++saved_) + ".png";
  try {
    media::write_png_rgb24(path, pixels.data(), w, h, w * 3);
    std::fprintf(stderr, "\nflowcast-client: saved %s\n", path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nflowcast-client: %s\n", e.what());
  }
}

void SdlRenderer::wake() {
  if (wake_event_ == static_cast<uint32_t>(-1) || wake_queued_.exchange(true)) return;
  SDL_Event ev{};
  ev.type = wake_event_;
  // SDL_PushEvent is thread-safe and ends a wait in SDL_WaitEventTimeout.
  if (SDL_PushEvent(&ev) != 1) wake_queued_ = false;
}

void SdlRenderer::wait_until(std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  const auto left = deadline - steady_clock::now();
  if (left <= steady_clock::duration::zero()) return;
  // SDL waits in whole milliseconds: the rest, under one, is slept.
  const auto whole_ms = duration_cast<milliseconds>(left).count();
  if (whole_ms > 0 &&
      SDL_WaitEventTimeout(nullptr, static_cast<int>(std::min<int64_t>(whole_ms, 1 << 30))) == 1)
    return;  // an event: poll() takes it
  std::this_thread::sleep_until(deadline);
}

UserAction SdlRenderer::poll() {
  SDL_Event ev;
  UserAction action = UserAction::none;
  // A wake() from now on queues an event again.
  wake_queued_ = false;
  while (SDL_PollEvent(&ev)) {
    if (ev.type == SDL_QUIT) action = UserAction::quit;
    if (ev.type == SDL_KEYDOWN && !ev.key.repeat) {
      switch (ev.key.keysym.sym) {
        case SDLK_q:
        case SDLK_ESCAPE:
          action = UserAction::quit;
          break;
        case SDLK_o:
          overlay_ = !overlay_;
          present();
          break;
        case SDLK_f:
          fullscreen_ = !fullscreen_;
          SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
          break;
        case SDLK_s:
          save_png();
          break;
        case SDLK_b:
          action = UserAction::toggle_busy;
          break;
        case SDLK_m:
          action = UserAction::toggle_mute;
          break;
        default:
          break;
      }
    }
    if (ev.type == SDL_WINDOWEVENT && (ev.window.event == SDL_WINDOWEVENT_EXPOSED ||
                                       ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED))
      present();
  }
  return action;
}

}  // namespace flowcast::client
