#include "media/quality/png_writer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "media/ffmpeg/av_error.hpp"

extern "C" {
#include <libswscale/swscale.h>
}

namespace flowcast::media {
namespace {

void encode_rgb24(const std::string& path, const Frame& rgb) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!codec) throw std::runtime_error("this FFmpeg has no PNG encoder");
  CodecContext ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->width = rgb->width;
  ctx->height = rgb->height;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = AVRational{1, 25};
  check_av(avcodec_open2(ctx.get(), codec, nullptr), "opening the PNG encoder");
  check_av(avcodec_send_frame(ctx.get(), rgb.get()), "encoding a PNG");
  Packet pkt;
  check_av(avcodec_receive_packet(ctx.get(), pkt.get()), "encoding a PNG");
  const std::string tmp = path + ".part";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(pkt->data, 1, static_cast<size_t>(pkt->size), f) ==
                  static_cast<size_t>(pkt->size);
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
}

}  // namespace

void write_png_rgb24(const std::string& path, const uint8_t* pixels, int width, int height,
                     int stride) {
  Frame rgb = Frame::allocate(width, height, AV_PIX_FMT_RGB24);
  for (int y = 0; y < height; ++y)
    std::memcpy(rgb->data[0] + y * rgb->linesize[0], pixels + y * stride,
                static_cast<size_t>(width) * 3);
  encode_rgb24(path, rgb);
}

void write_png(const std::string& path, const Frame& frame) {
  SwsContext* sws = sws_getContext(
      frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), frame->width,
      frame->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!sws) throw AvError("converting a picture for PNG", AVERROR(EINVAL));
  Frame rgb = Frame::allocate(frame->width, frame->height, AV_PIX_FMT_RGB24);
  sws_scale(sws, frame->data, frame->linesize, 0, frame->height, rgb->data, rgb->linesize);
  sws_freeContext(sws);
  encode_rgb24(path, rgb);
}

}  // namespace flowcast::media
