#pragma once
// Move-only RAII owners of FFmpeg's AVPacket, AVFrame and AVCodecContext.
// Passing one by value hands it over; const& borrows it.
#include <cstdint>
#include <utility>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace flowcast::media {

template <typename T, void (*Free)(T**)>
class AvOwner {
 public:
  AvOwner() = default;
  explicit AvOwner(T* raw) : raw_(raw) {}
  AvOwner(AvOwner&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  AvOwner& operator=(AvOwner&& other) noexcept {
    if (this != &other) {
      reset();
      raw_ = std::exchange(other.raw_, nullptr);
    }
    return *this;
  }
  AvOwner(const AvOwner&) = delete;
  AvOwner& operator=(const AvOwner&) = delete;
  ~AvOwner() { reset(); }

  void reset() {
    if (raw_) Free(&raw_);
  }
  T* get() const { return raw_; }
  T* operator->() const { return raw_; }
  explicit operator bool() const { return raw_ != nullptr; }

 private:
  T* raw_ = nullptr;
};

// An AVPacket. Allocated on construction; throws std::bad_alloc on failure.
class Packet : public AvOwner<AVPacket, av_packet_free> {
 public:
  Packet();
};

// An AVFrame. Allocated on construction; throws std::bad_alloc on failure.
class Frame : public AvOwner<AVFrame, av_frame_free> {
 public:
  Frame();
  // A new frame with its own buffers of the given size and format (aligned).
  static Frame allocate(int width, int height, AVPixelFormat format);
  // A new reference to the same buffers (no pixel copy).
  Frame ref() const;
};

using CodecContext = AvOwner<AVCodecContext, avcodec_free_context>;

}  // namespace flowcast::media
