#include "pipeline/mask-box.h"

#include <algorithm>
#include <cstddef>

namespace sam3rt::pipeline {

std::array<float, 4> mask_box(const uint8_t* mask, int width, int height) {
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = mask + static_cast<size_t>(y) * width;
    for (int x = 0; x < width; ++x)
      if (row[x]) x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  }
  if (x1 < 0) return {0, 0, 0, 0};
  return {static_cast<float>(x0), static_cast<float>(y0), static_cast<float>(x1 + 1),
          static_cast<float>(y1 + 1)};
}

}  // namespace sam3rt::pipeline
