// The tight box of a binary mask, as `sam3rt click` and `sam3rt track` report it.
#pragma once

#include <array>
#include <cstdint>

namespace sam3rt::pipeline {

// mask: row-major [height, width], non-zero = object. → x0, y0, x1, y1 in pixels with x1 = last
// column + 1 and y1 = last row + 1 (inclusive-exclusive, the continuous edges of the covered
// pixels); all zeros for an empty mask.
std::array<float, 4> mask_box(const uint8_t* mask, int width, int height);

}  // namespace sam3rt::pipeline
