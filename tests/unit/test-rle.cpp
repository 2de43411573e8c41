// COCO RLE against strings computed by hand with pycocotools' algorithm (maskApi.c rleEncode +
// rleToString): column-major runs starting with zeros; 5-bit groups, 0x20 = more, 0x10 of the
// last group = sign, +48; counts after the second are stored as differences to counts[i-2].
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "pipeline/rle.h"

using namespace sam3rt;
using namespace sam3rt::pipeline;

namespace {
std::string encode_string(const std::vector<uint8_t>& mask, int h, int w) {
  return rle_to_string(rle_encode(mask.data(), h, w).counts);
}
}  // namespace

TEST(Rle, ColumnMajorRunsStartWithZeros) {
  // [[0, 1], [1, 1]]: column-major 0,1,1,1 → counts [1, 3] → "13"
  Rle r = rle_encode(std::vector<uint8_t>{0, 1, 1, 1}.data(), 2, 2);
  EXPECT_EQ(r.counts, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(rle_to_string(r.counts), "13");
  // A mask that starts with a 1 gets an empty first run of zeros.
  // [[1, 0, 0], [1, 1, 0]]: columns (1,1) (0,1) (0,0) → 1,1,0,1,0,0 → [0, 2, 1, 1, 2]
  // string: 0 → '0', 2 → '2', 1 → '1', 1−2 = −1 → 'O' (31+48), 2−1 = 1 → '1'
  r = rle_encode(std::vector<uint8_t>{1, 0, 0, 1, 1, 0}.data(), 2, 3);
  EXPECT_EQ(r.counts, (std::vector<uint32_t>{0, 2, 1, 1, 2}));
  EXPECT_EQ(rle_to_string(r.counts), "021O1");
}

TEST(Rle, UniformMasks) {
  EXPECT_EQ(encode_string(std::vector<uint8_t>(9, 0), 3, 3), "9");
  EXPECT_EQ(encode_string(std::vector<uint8_t>(9, 1), 3, 3), "09");
  // 100 = 3·32 + 4: low group 4 with the "more" bit (36 → 'T'), then 3 → '3'
  EXPECT_EQ(encode_string(std::vector<uint8_t>(100, 0), 10, 10), "T3");
  // Non-zero bytes other than 1 count as foreground.
  EXPECT_EQ(encode_string(std::vector<uint8_t>(9, 255), 3, 3), "09");
}

TEST(Rle, DifferencesFromTheFourthCount) {
  // Column 0,1,1,0,0,0,1 (h=7, w=1) → [1, 2, 3, 1]; the 4th is stored as 1 − 2 = −1 → 'O'.
  EXPECT_EQ(encode_string({0, 1, 1, 0, 0, 0, 1}, 7, 1), "123O");
  // 1, 0, then 40 ones → [0, 1, 1, 40]: 40 − 1 = 39 = 32 + 7 → 'W' (7|0x20 + 48), '1'
  std::vector<uint8_t> m(42, 1);
  m[1] = 0;
  EXPECT_EQ(encode_string(m, 42, 1), "011W1");
  // 100 ones, 1 zero, 2 ones → [0, 100, 1, 2]: 2 − 100 = −98 → groups 30|0x20 → 'n', 28 → 'L'
  std::vector<uint8_t> m2(103, 1);
  m2[100] = 0;
  EXPECT_EQ(encode_string(m2, 103, 1), "0T31nL");
}

TEST(Rle, StringRoundTripAndDecode) {
  EXPECT_EQ(rle_from_string("0T31nL"), (std::vector<uint32_t>{0, 100, 1, 2}));
  EXPECT_EQ(rle_from_string("021O1"), (std::vector<uint32_t>{0, 2, 1, 1, 2}));
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int h = 1 + static_cast<int>(rng() % 40), w = 1 + static_cast<int>(rng() % 40);
    std::vector<uint8_t> mask(static_cast<size_t>(h) * w);
    // Blobs of varying run lengths, so long and short runs and negative differences all occur.
    uint8_t v = rng() % 2;
    for (size_t i = 0; i < mask.size();) {
      size_t run = 1 + rng() % (trial % 2 ? 200 : 5);
      for (size_t k = 0; k < run && i < mask.size(); ++k) mask[i++] = v;
      v ^= 1;
    }
    Rle r = rle_encode(mask.data(), h, w);
    Rle back{h, w, rle_from_string(rle_to_string(r.counts))};
    EXPECT_EQ(back.counts, r.counts);
    EXPECT_EQ(rle_decode(back), mask);
  }
}

TEST(Rle, BadInputIsRefused) {
  EXPECT_THROW(rle_from_string("1 2"), Error);  // ' ' is below '0'
  EXPECT_THROW(rle_from_string("T"), Error);    // 'T' says more follows
  Rle wrong{2, 2, {1, 2}};                      // sums to 3, not 4
  EXPECT_THROW(rle_decode(wrong), Error);
}
