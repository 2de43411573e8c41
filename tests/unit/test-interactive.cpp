// Interactive segmentation pieces that need no fixture: 8-connected component areas and hole
// filling against a plain flood fill, prompt checks, and the API's refusals.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/error.h"
#include "pipeline/connected-components.h"
#include "pipeline/interactive.h"

namespace sam3rt::pipeline {
namespace {

// Flood fill with an explicit stack: the oracle for component_areas.
std::vector<int32_t> flood_fill_areas(const std::vector<uint8_t>& m, int h, int w) {
  std::vector<int32_t> label(m.size(), -1), area(m.size(), 0);
  std::vector<int32_t> sizes;
  for (int start = 0; start < h * w; ++start) {
    if (!m[start] || label[start] >= 0) continue;
    const int id = static_cast<int>(sizes.size());
    sizes.push_back(0);
    std::vector<int> stack = {start};
    label[start] = id;
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      ++sizes[id];
      const int y = i / w, x = i % w;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int ny = y + dy, nx = x + dx;
          if (ny < 0 || nx < 0 || ny >= h || nx >= w) continue;
          const int j = ny * w + nx;
          if (m[j] && label[j] < 0) {
            label[j] = id;
            stack.push_back(j);
          }
        }
    }
  }
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i]) area[i] = sizes[label[i]];
  return area;
}

TEST(ConnectedComponents, DiagonalNeighboursJoin) {
  // 1 0 0
  // 0 1 0     one component of 3 (8-connectivity), and a separate pixel at the far corner
  // 0 0 1 0 1
  const int h = 3, w = 5;
  std::vector<uint8_t> m = {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1};
  const std::vector<int32_t> a = component_areas(m.data(), h, w);
  EXPECT_EQ(a[0], 3);
  EXPECT_EQ(a[6], 3);
  EXPECT_EQ(a[12], 3);
  EXPECT_EQ(a[14], 1);
  EXPECT_EQ(a[1], 0);
}

TEST(ConnectedComponents, MatchesFloodFillOnRandomMasks) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 40; ++trial) {
    const int h = 1 + static_cast<int>(rng() % 40), w = 1 + static_cast<int>(rng() % 40);
    const double density = 0.2 + 0.6 * (trial % 5) / 4.0;
    std::vector<uint8_t> m(static_cast<size_t>(h) * w);
    for (auto& v : m) v = std::uniform_real_distribution<double>(0, 1)(rng) < density;
    EXPECT_EQ(component_areas(m.data(), h, w), flood_fill_areas(m, h, w)) << h << "x" << w;
  }
}

TEST(FillHoles, SmallBackgroundComponentsBecomeForeground) {
  // A 6×6 map of positive logits with a 2-pixel hole inside and a 10-pixel background strip on
  // the left edge (border-touching components count as holes too, as in the reference).
  const int n = 6;
  std::vector<float> logits(n * n, 1.f);
  logits[2 * n + 3] = -1.f;
  logits[3 * n + 3] = 0.f;  // <= 0 is background
  for (int y = 0; y < n; ++y) logits[y * n] = -2.f;
  std::vector<float> filled = logits;
  fill_holes(filled.data(), n, n, 2.f);
  EXPECT_EQ(filled[2 * n + 3], 10.f);
  EXPECT_EQ(filled[3 * n + 3], 10.f);
  EXPECT_EQ(filled[0], -2.f);  // area 6 > 2: kept
  fill_holes(filled.data(), n, n, 6.f);
  EXPECT_EQ(filled[0], 10.f);
}

TEST(ClickPrompt, MapsPixelsToTheModelFrameBoxFirst) {
  ClickPrompt p;
  p.points = {{50.f, 20.f, 1}, {10.f, 30.f, 0}};
  p.box = std::array<float, 4>{0.f, 0.f, 100.f, 40.f};
  const std::vector<SamPoint> s = prepare_click_points(p, 100, 40, 1008);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].label, 2);
  EXPECT_EQ(s[1].label, 3);
  EXPECT_FLOAT_EQ(s[1].x, 1008.f);
  EXPECT_FLOAT_EQ(s[2].x, 50.f / 100.f * 1008.f);
  EXPECT_FLOAT_EQ(s[2].y, 20.f / 40.f * 1008.f);
  EXPECT_EQ(s[3].label, 0);
}

TEST(ClickPrompt, RefusesBadPrompts) {
  auto code = [](const ClickPrompt& p) {
    try {
      prepare_click_points(p, 100, 80, 1008);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kOk;
  };
  EXPECT_EQ(code(ClickPrompt{}), ErrorCode::kInvalidArgument);  // nothing at all
  ClickPrompt nan;
  nan.points = {{std::nanf(""), 3.f, 1}};
  EXPECT_EQ(code(nan), ErrorCode::kInvalidArgument);
  ClickPrompt label;
  label.points = {{3.f, 3.f, 4}};
  EXPECT_EQ(code(label), ErrorCode::kInvalidArgument);
  label.points[0].label = -2;
  EXPECT_EQ(code(label), ErrorCode::kInvalidArgument);
  ClickPrompt box;
  box.box = std::array<float, 4>{10.f, 10.f, 5.f, 20.f};
  EXPECT_EQ(code(box), ErrorCode::kInvalidArgument);
  ClickPrompt outside;  // a click outside the image is used as given
  outside.points = {{-20.f, 500.f, 1}};
  EXPECT_EQ(code(outside), ErrorCode::kOk);
}

TEST(ClickPrompt, MaskInputMustBeTheLowResolutionSquare) {
  EXPECT_FALSE(prepare_mask_input(Tensor(), 48).defined());
  EXPECT_EQ(prepare_mask_input(Tensor::zeros({48, 48}), 48).shape(), Shape({1, 1, 48, 48}));
  EXPECT_EQ(prepare_mask_input(Tensor::zeros({1, 48, 48}), 48).shape(), Shape({1, 1, 48, 48}));
  EXPECT_THROW(prepare_mask_input(Tensor::zeros({47, 48}), 48), Error);
  EXPECT_THROW(prepare_mask_input(Tensor::zeros({2, 48, 48}), 48), Error);
  EXPECT_THROW(prepare_mask_input(Tensor::full({48, 48}, std::nanf("")), 48), Error);
}

}  // namespace
}  // namespace sam3rt::pipeline
