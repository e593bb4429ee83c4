#pragma once
// Pictures to PNG files through FFmpeg's PNG encoder.
#include <cstdint>
#include <string>

#include "media/ffmpeg/av_types.hpp"

namespace flowcast::media {

// Writes packed RGB24 pixels (stride bytes per row) as a PNG file, through
// a temporary file and a rename. Throws AvError or std::runtime_error.
void write_png_rgb24(const std::string& path, const uint8_t* pixels, int width, int height,
                     int stride);
// Writes a decoded picture (any format swscale knows) as a PNG file.
void write_png(const std::string& path, const Frame& frame);

}  // namespace flowcast::media
