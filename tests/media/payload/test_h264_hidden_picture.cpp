// The hidden-picture marker: an SEI user_data_unregistered message with
// flowcast's UUID before the first slice, found again, and nothing else
// taken for it; hostile bytes never read past the buffer.
#include <catch2/catch.hpp>
#include <random>

#include "media/payload/h264_hidden_picture.hpp"
#include "media/payload/h264_packetizer.hpp"

using namespace flowcast::media;

namespace {

// SPS, PPS and an IDR slice, as an encoder writes them.
std::vector<uint8_t> access_unit() {
  return {0,    0,    0,    1,    0x67, 0x42, 0xc0, 0x1e, 0xda, 0,    0,    0,   1,
          0x68, 0xce, 0x3c, 0x80, 0,    0,    1,    0x65, 0x88, 0x84, 0x21, 0xa0};
}

}  // namespace

TEST_CASE("a hidden access unit carries the marker before its first slice",
          "[unit][media][payload]") {
  auto au = access_unit();
  CHECK_FALSE(is_h264_hidden(au));
  mark_h264_hidden(au);
  CHECK(is_h264_hidden(au));
  const auto nals = split_annexb(au);
  REQUIRE(nals.size() == 4);
  CHECK((nals[0][0] & 0x1F) == 7);
  CHECK((nals[1][0] & 0x1F) == 8);
  CHECK((nals[2][0] & 0x1F) == 6);  // the SEI, then
  CHECK((nals[3][0] & 0x1F) == 5);  // the slice, unchanged
  CHECK(std::vector<uint8_t>(nals[3].begin(), nals[3].end()) ==
        std::vector<uint8_t>{0x65, 0x88, 0x84, 0x21, 0xa0});
  // Marking twice adds nothing.
  const auto once = au;
  mark_h264_hidden(au);
  CHECK(au == once);
}

TEST_CASE("other SEI messages, and a marker after the slice, are not the marker",
          "[unit][media][payload]") {
  auto au = access_unit();
  // A user_data_unregistered SEI with another UUID (x264 writes one).
  std::vector<uint8_t> sei = {0, 0, 0, 1, 6, 5, 17};
  for (int i = 0; i < 16; ++i) sei.push_back(static_cast<uint8_t>(0x10 + i));
  sei.push_back('x');
  sei.push_back(0x80);
  au.insert(au.begin() + 17, sei.begin(), sei.end());
  CHECK_FALSE(is_h264_hidden(au));
  // The marker only counts before the first slice.
  std::vector<uint8_t> marked_alone;
  mark_h264_hidden(marked_alone);
  auto after = access_unit();
  after.insert(after.end(), marked_alone.begin(), marked_alone.end());
  CHECK_FALSE(is_h264_hidden(after));
  CHECK(is_h264_hidden(marked_alone));
}

TEST_CASE("hostile bytes are never taken for the marker, nor read past", "[unit][media][payload]") {
  std::mt19937 rng(15);
  std::vector<uint8_t> marked;
  mark_h264_hidden(marked);
  for (int round = 0; round < 2000; ++round) {
    // The marker cut short anywhere, or with a size that runs past the end.
    std::vector<uint8_t> cut(marked.begin(),
                             marked.begin() + static_cast<long>(rng() % marked.size()));
    if (cut.size() > 6) cut[6] = static_cast<uint8_t>(rng());
    const bool hidden = is_h264_hidden(cut);
    CHECK((hidden ? cut.size() >= 7 + 16 : true));
    std::vector<uint8_t> noise(rng() % 64);
    for (auto& b : noise) b = static_cast<uint8_t>(rng() % 4 == 0 ? 0 : rng());
    is_h264_hidden(noise);
  }
}
