#include "pipeline/connected-components.h"

#include <numeric>

namespace sam3rt::pipeline {

namespace {
int32_t find_root(std::vector<int32_t>& parent, int32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];  // path halving
    x = parent[x];
  }
  return x;
}
}  // namespace

std::vector<int32_t> component_areas(const uint8_t* mask, int h, int w) {
  const int64_t n = static_cast<int64_t>(h) * w;
  std::vector<int32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto unite = [&](int32_t a, int32_t b) {
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a != b) parent[a < b ? b : a] = a < b ? a : b;
  };
  // One raster pass joining each foreground pixel with its already-visited 8-neighbours
  // (left, up-left, up, up-right).
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int32_t i = y * w + x;
      if (!mask[i]) continue;
      if (x > 0 && mask[i - 1]) unite(i, i - 1);
      if (y > 0) {
        const int32_t up = i - w;
        if (mask[up]) unite(i, up);
        if (x > 0 && mask[up - 1]) unite(i, up - 1);
        if (x + 1 < w && mask[up + 1]) unite(i, up + 1);
      }
    }
  std::vector<int32_t> size(n, 0);
  for (int32_t i = 0; i < n; ++i)
    if (mask[i]) ++size[find_root(parent, i)];
  std::vector<int32_t> area(n, 0);
  for (int32_t i = 0; i < n; ++i)
    if (mask[i]) area[i] = size[find_root(parent, i)];
  return area;
}

void fill_holes(float* logits, int h, int w, float max_area, float threshold) {
  const int64_t n = static_cast<int64_t>(h) * w;
  std::vector<uint8_t> background(n);
  for (int64_t i = 0; i < n; ++i) background[i] = logits[i] <= threshold;
  const std::vector<int32_t> area = component_areas(background.data(), h, w);
  // is_hole = (labels > 0) & (areas <= max_hole_area): every background component is labelled
  for (int64_t i = 0; i < n; ++i)
    if (background[i] && static_cast<float>(area[i]) <= max_area) logits[i] = threshold + 10.f;
}

}  // namespace sam3rt::pipeline
