// h264_sps_picture_size: the coded size of real libx264 streams of every
// profile shape (baseline, high, 4:4:4, 10-bit, interlaced, custom scaling
// matrices), as ffprobe reads it; hand-built SPSs for sizes libavcodec
// itself refuses; and hostile bytes.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "media/payload/h264_packetizer.hpp"
#include "media/payload/h264_sps.hpp"
#include "support/process.hpp"

using namespace flowcast;
using namespace flowcast::media;

namespace {

using Bytes = std::vector<uint8_t>;

// The first SPS NAL of an Annex B file.
Bytes first_sps(const std::string& path) {
  const std::string data = test::read_file(path);
  const Bytes bytes(data.begin(), data.end());
  for (auto nal : split_annexb(bytes))
    if ((nal[0] & 0x1F) == kNalTypeSps) return Bytes(nal.begin(), nal.end());
  return {};
}

// The size the SPS must declare for what ffprobe reports: its width and
// height rounded up to whole macroblocks (macroblock pairs when interlaced),
// since the SPS codes macroblocks and crops the rest.
std::string expected_coded_size(const test::TempDir& dir, const std::string& path,
                                bool interlaced) {
  const std::string out = dir.file("probe.txt");
  REQUIRE(test::run_shell("ffprobe -v error -select_streams v:0 -show_entries "
                          "stream=width,height -of csv=p=0:s=x '" +
                          path + "' > '" + out + "'") == 0);
  int width = 0, height = 0;
  REQUIRE(std::sscanf(test::read_file(out).c_str(), "%dx%d", &width, &height) == 2);
  const int rows = interlaced ? 32 : 16;
  return std::to_string((width + 15) / 16 * 16) + "x" +
         std::to_string((height + rows - 1) / rows * rows);
}

// Writes bits MSB first, with ue(v) and the RBSP trailing bits.
class BitWriter {
 public:
  void bits(uint64_t value, int n) {
    for (int i = n - 1; i >= 0; --i) bit((value >> i) & 1);
  }
  void ue(uint64_t value) {
    const uint64_t v = value + 1;
    int len = 0;
    while ((v >> len) > 1) ++len;
    bits(0, len);
    bits(v, len + 1);
  }
  // rbsp_trailing_bits, then emulation prevention (§7.4.1).
  Bytes nal(uint8_t header) {
    bit(1);
    while (count_ % 8) bit(0);
    Bytes out = {header};
    int zeros = 0;
    for (uint8_t b : bytes_) {
      if (zeros >= 2 && b <= 3) {
        out.push_back(3);
        zeros = 0;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      out.push_back(b);
    }
    return out;
  }

 private:
  void bit(uint64_t b) {
    if (count_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() |= static_cast<uint8_t>(0x80 >> (count_ % 8));
    ++count_;
  }
  Bytes bytes_;
  size_t count_ = 0;
};

// A Baseline SPS declaring width_mbs x height_mbs macroblocks.
Bytes baseline_sps(uint64_t width_mbs, uint64_t height_mbs) {
  BitWriter w;
  w.bits(66, 8);  // profile_idc: Baseline
  w.bits(0, 8);   // constraint flags
  w.bits(51, 8);  // level_idc
  w.ue(0);        // seq_parameter_set_id
  w.ue(0);        // log2_max_frame_num_minus4
  w.ue(2);        // pic_order_cnt_type
  w.ue(1);        // max_num_ref_frames
  w.bits(0, 1);   // gaps_in_frame_num_value_allowed_flag
  w.ue(width_mbs - 1);
  w.ue(height_mbs - 1);
  w.bits(1, 1);  // frame_mbs_only_flag
  w.bits(1, 1);  // direct_8x8_inference_flag
  w.bits(0, 1);  // frame_cropping_flag
  w.bits(0, 1);  // vui_parameters_present_flag
  return w.nal(0x67);
}

}  // namespace

TEST_CASE("h264_sps_picture_size reads the coded size of real libx264 streams",
          "[unit][h264][sps]") {
  struct Shape {
    const char* name;
    const char* size;
    const char* options;
    bool interlaced = false;
  };
  const Shape shapes[] = {
      {"baseline", "176x144", "-profile:v baseline -pix_fmt yuv420p"},
      {"main, 720p", "1280x720", "-profile:v main -pix_fmt yuv420p"},
      {"high, 1080p (coded 1088)", "1920x1080", "-profile:v high -pix_fmt yuv420p"},
      {"high 4:4:4", "320x240", "-pix_fmt yuv444p"},
      {"high 10-bit, 360p (coded 368)", "640x360", "-pix_fmt yuv420p10le"},
      {"high 4:2:2", "352x288", "-pix_fmt yuv422p"},
      {"interlaced", "720x576", "-pix_fmt yuv420p -flags +ildct+ilme -x264-params interlaced=1",
       true},
      {"interlaced, odd height", "320x244", "-pix_fmt yuv420p -x264-params interlaced=1", true},
      {"custom scaling matrices", "352x288", "-pix_fmt yuv420p -x264-params cqm=jvt"},
      {"odd size (cropped)", "322x242", "-pix_fmt yuv420p"},
  };
  test::TempDir dir;
  for (const Shape& s : shapes) {
    INFO(s.name);
    const std::string path = dir.file("clip.264");
    REQUIRE(test::run_shell(std::string("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=") +
                            s.size + ":rate=25 -frames:v 2 -c:v libx264 -preset ultrafast " +
                            s.options + " -f h264 '" + path + "'") == 0);
    const Bytes sps = first_sps(path);
    REQUIRE(!sps.empty());
    const auto size = h264_sps_picture_size(sps);
    REQUIRE(size);
    CHECK(size->to_string() == expected_coded_size(dir, path, s.interlaced));
  }
}

TEST_CASE("h264_sps_picture_size reads sizes libavcodec refuses", "[unit][h264][sps][hostile]") {
  auto size = h264_sps_picture_size(baseline_sps(512, 512));  // 8192x8192
  REQUIRE(size);
  CHECK(size->width == 8192);
  CHECK(size->height == 8192);
  size = h264_sps_picture_size(baseline_sps(1024, 1024));  // 16384x16384
  REQUIRE(size);
  CHECK(size->pixels() == int64_t{16384} * 16384);
  // A field of 31 leading zeros, the longest the reader takes.
  size = h264_sps_picture_size(baseline_sps(uint64_t{1} << 31, 1));
  REQUIRE(size);
  CHECK(size->width == (int64_t{1} << 31) * 16);
  // Both sides that long: more pixels than int64 holds, saturated.
  size = h264_sps_picture_size(baseline_sps(uint64_t{1} << 31, uint64_t{1} << 31));
  REQUIRE(size);
  CHECK(size->pixels() == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(PictureLimit{}.allows(*size));
}

TEST_CASE("h264_sps_picture_size refuses what is not a whole SPS", "[unit][h264][sps][hostile]") {
  const Bytes sps = baseline_sps(20, 15);
  REQUIRE(h264_sps_picture_size(sps));
  CHECK(h264_sps_picture_size(sps)->to_string() == "320x240");
  // Cut anywhere before the size fields: no size.
  for (size_t n = 0; n + 2 < sps.size(); ++n) {
    INFO("cut at " << n);
    CHECK_FALSE(h264_sps_picture_size(Bytes(sps.begin(), sps.begin() + static_cast<long>(n))));
  }
  Bytes pps = sps;
  pps[0] = 0x68;
  CHECK_FALSE(h264_sps_picture_size(pps));
  CHECK_FALSE(h264_sps_picture_size({}));
  // Random bodies never read past the end (ASan watches) and never throw.
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    Bytes nal(2 + rng() % 64);
    for (auto& b : nal) b = static_cast<uint8_t>(rng());
    nal[0] = 0x67;
    if (i % 2) nal[1] = 100;  // High: the chroma and scaling-list fields
    (void)h264_sps_picture_size(nal);
  }
}

TEST_CASE("PictureLimit allows 8K either way round, and no more", "[unit][h264][sps]") {
  const PictureLimit limit;  // 8192x4320
  CHECK(limit.allows({7680, 4320}));
  CHECK(limit.allows({8192, 4320}));
  CHECK(limit.allows({4320, 8192}));  // portrait
  CHECK_FALSE(limit.allows({8192, 8192}));
  CHECK_FALSE(limit.allows({16384, 16}));  // few pixels, one side too long
  const PictureLimit hd{1920, 1088};
  CHECK(hd.allows({1920, 1088}));
  CHECK_FALSE(hd.allows({1920, 1104}));
}
