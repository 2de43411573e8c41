#include "pipeline/rle.h"

#include "core/error.h"
#include "core/safe-text.h"

namespace sam3rt::pipeline {

// ref: pycocotools/common/maskApi.c rleEncode (column-major runs, first run counts zeros)
Rle rle_encode(const uint8_t* mask, int height, int width) {
  SAM3RT_CHECK(height >= 0 && width >= 0, kInvalidArgument, "rle_encode: negative size ", height, "x", width);
  Rle r;
  r.height = height;
  r.width = width;
  uint8_t current = 0;
  uint32_t run = 0;
  for (int x = 0; x < width; ++x) {
    for (int y = 0; y < height; ++y) {
      uint8_t v = mask[static_cast<size_t>(y) * width + x] ? 1 : 0;
      if (v != current) {
        r.counts.push_back(run);
        run = 0;
        current = v;
      }
      ++run;
    }
  }
  r.counts.push_back(run);
  return r;
}

std::vector<uint8_t> rle_decode(const Rle& rle) {
  SAM3RT_CHECK(rle.height >= 0 && rle.width >= 0, kFormat, "RLE size ", rle.height, "x", rle.width, " is negative");
  const size_t n = static_cast<size_t>(rle.height) * rle.width;
  uint64_t total = 0;
  for (uint32_t c : rle.counts) total += c;
  SAM3RT_CHECK(total == n, kFormat, "RLE counts sum to ", total, " but the mask is ", rle.height, "x",
               rle.width, " = ", n, " pixels");
  std::vector<uint8_t> mask(n, 0);
  size_t pos = 0;  // column-major position
  uint8_t v = 0;
  for (uint32_t c : rle.counts) {
    if (v) {
      for (size_t k = pos; k < pos + c; ++k) {
        size_t x = k / rle.height, y = k % rle.height;
        mask[y * rle.width + x] = 1;
      }
    }
    pos += c;
    v ^= 1;
  }
  return mask;
}

// ref: pycocotools/common/maskApi.c rleToString. Each value (a count, or from the fourth on the
// difference to the count two places earlier) is written 5 bits at a time, low bits first; bit
// 0x20 marks "more follows", bit 0x10 of the last group carries the sign; +48 makes it printable.
std::string rle_to_string(const std::vector<uint32_t>& counts) {
  std::string s;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t x = counts[i];
    if (i > 2) x -= static_cast<int64_t>(counts[i - 2]);
    bool more = true;
    while (more) {
      int64_t c = x & 0x1f;
      x >>= 5;  // arithmetic shift: negative differences end at −1
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

// ref: pycocotools/common/maskApi.c rleFrString
std::vector<uint32_t> rle_from_string(const std::string& s) {
  std::vector<uint32_t> counts;
  size_t p = 0;
  while (p < s.size()) {
    int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      SAM3RT_CHECK(p < s.size(), kFormat, "RLE string ends in the middle of a number");
      int c = static_cast<unsigned char>(s[p]) - 48;
      SAM3RT_CHECK(c >= 0 && c < 64, kFormat, "RLE string has an invalid character '", safe_text(s.substr(p, 1)), "' at offset ",
                   p);
      SAM3RT_CHECK(k < 12, kFormat, "RLE string has a number longer than 60 bits at offset ", p);
      x |= static_cast<int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= static_cast<int64_t>(-1) * (int64_t{1} << (5 * k));
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];
    SAM3RT_CHECK(x >= 0 && x <= 0xffffffffLL, kFormat, "RLE string decodes to an invalid count ", x);
    counts.push_back(static_cast<uint32_t>(x));
  }
  return counts;
}

}  // namespace sam3rt::pipeline
