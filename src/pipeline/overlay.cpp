#include "pipeline/overlay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sam3rt::pipeline {

namespace {

constexpr int kGlyphW = 3, kGlyphH = 5, kGlyphGap = 1;

// 3×5 glyphs, one row per byte, bit 2 = left column.
const uint8_t* glyph(char c) {
  static const uint8_t digits[10][kGlyphH] = {
      {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
      {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
  };
  static const uint8_t dot[kGlyphH] = {0, 0, 0, 0, 2};
  static const uint8_t minus[kGlyphH] = {0, 0, 7, 0, 0};
  static const uint8_t percent[kGlyphH] = {5, 1, 2, 4, 5};
  if (c >= '0' && c <= '9') return digits[c - '0'];
  if (c == '.') return dot;
  if (c == '-') return minus;
  if (c == '%') return percent;
  return nullptr;
}

void fill_rect(uint8_t* rgb, int width, int height, int x0, int y0, int x1, int y1,
               std::array<uint8_t, 3> c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, width), y1 = std::min(y1, height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) std::memcpy(rgb + (static_cast<size_t>(y) * width + x) * 3, c.data(), 3);
}

// A box edge on the pixel grid: continuous coordinates → the pixels they cover, clamped.
int to_pixel(float v, int limit) {
  if (!std::isfinite(v)) return 0;
  return std::clamp(static_cast<int>(std::floor(v)), 0, limit - 1);
}

}  // namespace

std::array<uint8_t, 3> overlay_color(int k) {
  static const uint8_t palette[][3] = {
      {230, 25, 75},  {60, 180, 75},  {255, 225, 25},  {0, 130, 200},   {245, 130, 48}, {145, 30, 180},
      {70, 240, 240}, {240, 50, 230}, {210, 245, 60},  {250, 190, 212}, {0, 128, 128},  {220, 190, 255},
      {170, 110, 40}, {128, 0, 0},    {170, 255, 195}, {128, 128, 0},   {0, 0, 128},    {128, 128, 128}};
  constexpr int n = sizeof(palette) / sizeof(palette[0]);
  const uint8_t* p = palette[((k % n) + n) % n];
  return {p[0], p[1], p[2]};
}

int text_width(const char* text, int scale) {
  int n = static_cast<int>(std::strlen(text));
  return n == 0 ? 0 : (n * (kGlyphW + kGlyphGap) - kGlyphGap) * scale;
}
int text_height(int scale) { return kGlyphH * scale; }

void draw_text(uint8_t* rgb, int width, int height, int x, int y, const char* text, int scale,
               std::array<uint8_t, 3> color) {
  for (int i = 0; text[i]; ++i) {
    const uint8_t* g = glyph(text[i]);
    const int gx = x + i * (kGlyphW + kGlyphGap) * scale;
    if (!g) continue;
    for (int row = 0; row < kGlyphH; ++row)
      for (int col = 0; col < kGlyphW; ++col)
        if (g[row] & (4 >> col))
          fill_rect(rgb, width, height, gx + col * scale, y + row * scale, gx + (col + 1) * scale,
                    y + (row + 1) * scale, color);
  }
}

void draw_overlay(uint8_t* rgb, int width, int height, const std::vector<OverlayItem>& items, float alpha) {
  if (width <= 0 || height <= 0) return;
  const size_t n = static_cast<size_t>(width) * height;
  for (size_t k = 0; k < items.size(); ++k) {
    if (!items[k].mask) continue;
    const auto c = overlay_color(items[k].color >= 0 ? items[k].color : static_cast<int>(k));
    for (size_t i = 0; i < n; ++i) {
      if (!items[k].mask[i]) continue;
      for (int ch = 0; ch < 3; ++ch) {
        float v = (1.f - alpha) * rgb[i * 3 + ch] + alpha * c[ch];
        rgb[i * 3 + ch] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.f, 255.f)));
      }
    }
  }
  // Line and label sizes follow the image size so they stay visible on large photos.
  const int line = std::max(1, std::min(width, height) / 300);
  const int scale = std::max(1, std::min(width, height) / 200);
  for (size_t k = 0; k < items.size(); ++k) {
    const auto c = overlay_color(items[k].color >= 0 ? items[k].color : static_cast<int>(k));
    const auto& b = items[k].box_xyxy;
    const int x0 = to_pixel(b[0], width), y0 = to_pixel(b[1], height);
    const int x1 = to_pixel(b[2] - 1e-3f, width), y1 = to_pixel(b[3] - 1e-3f, height);
    if (x1 < x0 || y1 < y0) continue;
    fill_rect(rgb, width, height, x0, y0, x1 + 1, y0 + line, c);
    fill_rect(rgb, width, height, x0, y1 + 1 - line, x1 + 1, y1 + 1, c);
    fill_rect(rgb, width, height, x0, y0, x0 + line, y1 + 1, c);
    fill_rect(rgb, width, height, x1 + 1 - line, y0, x1 + 1, y1 + 1, c);
  }
  for (size_t k = 0; k < items.size(); ++k) {
    const auto c = overlay_color(items[k].color >= 0 ? items[k].color : static_cast<int>(k));
    char label[16];
    std::snprintf(label, sizeof(label), "%.2f", static_cast<double>(items[k].score));
    const int pad = scale;
    const int w = text_width(label, scale) + 2 * pad, h = text_height(scale) + 2 * pad;
    const int bx = to_pixel(items[k].box_xyxy[0], width);
    int by = to_pixel(items[k].box_xyxy[1], height) - h;  // above the box, or inside when at the top
    if (by < 0) by = to_pixel(items[k].box_xyxy[1], height);
    const int lx = std::clamp(bx, 0, std::max(0, width - w)), ly = std::clamp(by, 0, std::max(0, height - h));
    fill_rect(rgb, width, height, lx, ly, lx + w, ly + h, c);
    // Dark text on light colours, white on dark ones (Rec. 601 luma).
    const bool light = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2] > 140.f;
    const std::array<uint8_t, 3> ink =
        light ? std::array<uint8_t, 3>{0, 0, 0} : std::array<uint8_t, 3>{255, 255, 255};
    draw_text(rgb, width, height, lx + pad, ly + pad, label, scale, ink);
  }
}

}  // namespace sam3rt::pipeline
