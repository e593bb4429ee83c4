#include "media/source/test_pattern.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace flowcast::media {
namespace {

// Seven-segment digits: bits a,b,c,d,e,f,g.
constexpr std::array<uint8_t, 10> kSegments = {0x3f, 0x06, 0x5b, 0x4f, 0x66,
                                               0x6d, 0x7d, 0x07, 0x7f, 0x6f};

void fill_rect(AVFrame* f, int x0, int y0, int w, int h, uint8_t luma) {
  int x1 = std::min(f->width, x0 + w), y1 = std::min(f->height, y0 + h);
  for (int y = std::max(0, y0); y < y1; ++y)
    std::fill(f->data[0] + y * f->linesize[0] + std::max(0, x0),
              f->data[0] + y * f->linesize[0] + x1, luma);
}

void draw_digit(AVFrame* f, int x, int y, int s, int digit) {
  // s: segment thickness; a digit is 3s wide and 5s tall plus strokes.
  uint8_t m = kSegments[digit];
  int w = 4 * s, h = 7 * s;
  if (m & 0x01) fill_rect(f, x, y, w, s, 235);                      // a
  if (m & 0x02) fill_rect(f, x + w - s, y, s, h / 2 + s / 2, 235);  // b
  if (m & 0x04) fill_rect(f, x + w - s, y + h / 2, s, h / 2, 235);  // c
  if (m & 0x08) fill_rect(f, x, y + h - s, w, s, 235);              // d
  if (m & 0x10) fill_rect(f, x, y + h / 2, s, h / 2, 235);          // e
  if (m & 0x20) fill_rect(f, x, y, s, h / 2 + s / 2, 235);          // f
  if (m & 0x40) fill_rect(f, x, y + h / 2 - s / 2, w, s, 235);      // g
}

}  // namespace

TestPattern::TestPattern(int width, int height, int flash_every)
    : width_(width), height_(height), flash_every_(flash_every) {}

Frame TestPattern::render(int64_t index) const {
  Frame frame = Frame::allocate(width_, height_, AV_PIX_FMT_YUV420P);
  AVFrame* f = frame.get();
  const int t = static_cast<int>(index % 100000);
  // Luma: a diagonal gradient that scrolls, crossed by a fine checkerboard
  // that moves the other way, and a bright bar sweeping across. Fine detail
  // makes every macroblock carry bits, so a lost slice shows.
  for (int y = 0; y < height_; ++y) {
    uint8_t* row = f->data[0] + y * f->linesize[0];
    for (int x = 0; x < width_; ++x) {
      int g = ((x + y + 4 * t) & 255) / 2;
      int checker = (((x - 3 * t) >> 3) ^ ((y + t) >> 3)) & 1 ? 40 : 0;
      int v = 16 + g + checker;
      row[x] = static_cast<uint8_t>(std::min(235, v));
    }
  }
  int bar_x = static_cast<int>((static_cast<int64_t>(t) * 8) % std::max(1, width_));
  fill_rect(f, bar_x, 0, std::max(2, width_ / 64), height_, 235);
  // Chroma: slow colour bands.
  for (int plane = 1; plane <= 2; ++plane) {
    int cw = (width_ + 1) / 2, ch = (height_ + 1) / 2;
    for (int y = 0; y < ch; ++y) {
      uint8_t* row = f->data[plane] + y * f->linesize[plane];
      for (int x = 0; x < cw; ++x) {
        int band = plane == 1 ? (x + 2 * t) : (y + t);
        row[x] = static_cast<uint8_t>(128 + 60 * (((band >> 5) & 3) - 1.5) / 1.5);
      }
    }
  }
  if (flash(index)) {
    const int x0 = width_ / 4, y0 = height_ / 4;
    fill_rect(f, x0, y0, width_ / 2, height_ / 2, kFlashLuma);
    for (int plane = 1; plane <= 2; ++plane)
      for (int y = y0 / 2; y < (y0 + height_ / 2) / 2; ++y)
        std::fill(f->data[plane] + y * f->linesize[plane] + x0 / 2,
                  f->data[plane] + y * f->linesize[plane] + (x0 + width_ / 2) / 2, 128);
  }
  // Frame counter, bottom right (the player's overlay sits top left), on a
  // dark box.
  std::string digits = std::to_string(index);
  int s = std::max(2, height_ / 60);
  int box_w = static_cast<int>(digits.size()) * 5 * s + 2 * s;
  const int bx = std::max(0, width_ - box_w - s), by = std::max(0, height_ - 10 * s);
  fill_rect(f, bx, by, box_w, 9 * s, 16);
  for (size_t i = 0; i < digits.size(); ++i)
    draw_digit(f, bx + s + static_cast<int>(i) * 5 * s, by + s, s, digits[i] - '0');
  f->pts = index;
  return frame;
}

}  // namespace flowcast::media
