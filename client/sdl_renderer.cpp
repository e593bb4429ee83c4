#include "client/sdl_renderer.hpp"

#include <SDL.h>

#include <algorithm>

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

namespace flowcast::client {

SdlRenderer::SdlRenderer(const std::string& title) {
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
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_RenderClear(renderer_);
  SDL_ShowWindow(window_);
  SDL_RenderPresent(renderer_);
}

SdlRenderer::~SdlRenderer() {
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
    sws_ = sws_getCachedContext(sws_, frame->width, frame->height,
                                static_cast<AVPixelFormat>(frame->format), frame->width,
                                frame->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr,
                                nullptr);
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
  SDL_RenderClear(renderer_);
  if (texture_) SDL_RenderCopy(renderer_, texture_, nullptr, &dst);
  SDL_RenderPresent(renderer_);
}

UserAction SdlRenderer::poll() {
  SDL_Event ev;
  UserAction action = UserAction::none;
  while (SDL_PollEvent(&ev)) {
    if (ev.type == SDL_QUIT) action = UserAction::quit;
    if (ev.type == SDL_KEYDOWN &&
        (ev.key.keysym.sym == SDLK_q || ev.key.keysym.sym == SDLK_ESCAPE))
      action = UserAction::quit;
    if (ev.type == SDL_WINDOWEVENT && (ev.window.event == SDL_WINDOWEVENT_EXPOSED ||
                                       ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED))
      present();
  }
  return action;
}

}  // namespace flowcast::client
