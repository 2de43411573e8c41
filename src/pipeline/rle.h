// COCO run-length encoding of binary masks, bit-compatible with pycocotools (`mask.encode`):
// runs are counted in column-major order (x outer, y inner), start with a run of zeros (which
// may be empty), and the compressed string is pycocotools' LEB128-like 6-bit text form with
// each count after the second stored as the difference to the count two places before.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sam3rt::pipeline {

struct Rle {
  int height = 0;
  int width = 0;
  std::vector<uint32_t> counts;  // alternating runs of 0s and 1s, column-major, sum = h·w
};

// mask: row-major [height, width], any non-zero byte counts as 1.
Rle rle_encode(const uint8_t* mask, int height, int width);
// Inverse of rle_encode: row-major [height, width] of 0/1. Throws kFormat when the counts do not
// sum to height·width.
std::vector<uint8_t> rle_decode(const Rle& rle);

// pycocotools `counts` string (rleToString) and its inverse (rleFrString). The string parser
// throws kFormat on characters outside the alphabet or a truncated number.
std::string rle_to_string(const std::vector<uint32_t>& counts);
std::vector<uint32_t> rle_from_string(const std::string& s);

}  // namespace sam3rt::pipeline
