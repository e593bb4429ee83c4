#include "media/ffmpeg/av_types.hpp"

#include <new>

#include "media/ffmpeg/av_error.hpp"

namespace flowcast::media {

Packet::Packet() : AvOwner(av_packet_alloc()) {
  if (!get()) throw std::bad_alloc();
}

Frame::Frame() : AvOwner(av_frame_alloc()) {
  if (!get()) throw std::bad_alloc();
}

Frame Frame::allocate(int width, int height, AVPixelFormat format) {
  Frame f;
  f->width = width;
  f->height = height;
  f->format = format;
  check_av(av_frame_get_buffer(f.get(), 0), "allocating a video frame");
  return f;
}

Frame Frame::ref() const {
  Frame f;
  check_av(av_frame_ref(f.get(), get()), "referencing a video frame");
  return f;
}

}  // namespace flowcast::media
