#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "pipeline/overlay.h"

using namespace sam3rt::pipeline;

namespace {
std::array<uint8_t, 3> px(const std::vector<uint8_t>& rgb, int w, int x, int y) {
  const uint8_t* p = rgb.data() + (static_cast<size_t>(y) * w + x) * 3;
  return {p[0], p[1], p[2]};
}
}  // namespace

TEST(Overlay, BlendsMaskDrawsBoxAndLabel) {
  const int w = 400, h = 300;
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, 100);
  std::vector<uint8_t> mask(static_cast<size_t>(w) * h, 0);
  for (int y = 150; y < 250; ++y)
    for (int x = 150; x < 300; ++x) mask[static_cast<size_t>(y) * w + x] = 1;
  draw_overlay(rgb.data(), w, h, {{mask.data(), {140.f, 120.f, 310.f, 260.f}, 0.87f}}, 0.5f);
  const auto c = overlay_color(0);
  // Inside the mask (away from the box and label): half image, half colour.
  auto in = px(rgb, w, 200, 200);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(in[k], (100 + c[k]) / 2.0, 1.0);
  // Outside mask and box: untouched.
  EXPECT_EQ(px(rgb, w, 20, 20), (std::array<uint8_t, 3>{100, 100, 100}));
  // Box outline: left edge at x = 140, in the instance colour.
  EXPECT_EQ(px(rgb, w, 140, 200), c);
  EXPECT_EQ(px(rgb, w, 309, 200), c);
  // The label sits above the box: some pixels there have the colour, some the ink.
  int colour = 0, ink = 0;
  for (int y = 100; y < 120; ++y)
    for (int x = 140; x < 200; ++x) {
      auto p = px(rgb, w, x, y);
      colour += p == c;
      ink += (p == std::array<uint8_t, 3>{0, 0, 0}) || (p == std::array<uint8_t, 3>{255, 255, 255});
    }
  EXPECT_GT(colour, 50);
  EXPECT_GT(ink, 10);
}

TEST(Overlay, DigitsFontRendersDistinctGlyphs) {
  const int w = 40, h = 10;
  std::vector<std::vector<uint8_t>> renders;
  for (const char* t : {"0", "1", "8", "."}) {
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, 0);
    draw_text(rgb.data(), w, h, 1, 1, t, 1, {255, 255, 255});
    renders.push_back(rgb);
  }
  for (size_t i = 0; i < renders.size(); ++i)
    for (size_t j = i + 1; j < renders.size(); ++j) EXPECT_NE(renders[i], renders[j]);
  // "8" lights 13 of the 15 cells of its 3×5 glyph.
  int lit = 0;
  for (size_t i = 0; i < renders[2].size(); i += 3) lit += renders[2][i] == 255;
  EXPECT_EQ(lit, 13);
  EXPECT_EQ(text_width("0.87", 2), (4 * 4 - 1) * 2);
}

TEST(Overlay, BoxesOutsideTheImageAreClipped) {
  const int w = 20, h = 10;
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3, 0);
  // Must not write outside the buffer (ASan checks this) nor crash on NaN.
  draw_overlay(rgb.data(), w, h,
               {{nullptr, {-50.f, -50.f, 500.f, 500.f}, 1.f}, {nullptr, {NAN, 0.f, 5.f, 5.f}, 0.5f}});
  EXPECT_EQ(px(rgb, w, 0, 9), overlay_color(0));
}
