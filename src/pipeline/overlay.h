// Draws detections over an RGB image for people to look at: a translucent colour per instance
// on its mask, the box outline in the same colour and the score ("0.87") on a label above the
// box, with a small built-in bitmap font (digits and '.'), so no font library is needed.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace sam3rt::pipeline {

struct OverlayItem {
  const uint8_t* mask = nullptr;  // row-major [height, width] 0/1, or null for box only
  std::array<float, 4> box_xyxy{};
  float score = 0;
  int color = -1;  // palette index (overlay_color); −1: the item's position in the list
};

// The colour of instance k (a fixed palette of well-separated colours, cycling).
std::array<uint8_t, 3> overlay_color(int k);

// rgb: row-major [height, width, 3], modified in place. Items are drawn in order, so later ones
// end up on top; the labels are drawn last so that no mask hides them.
void draw_overlay(uint8_t* rgb, int width, int height, const std::vector<OverlayItem>& items,
                  float alpha = 0.5f);

// Writes `text` (digits, '.', '-', '%'; other characters leave a blank) with its top-left corner at
// (x, y), each font pixel a scale×scale square; clipped to the image.
void draw_text(uint8_t* rgb, int width, int height, int x, int y, const char* text, int scale,
               std::array<uint8_t, 3> color);
// Size of draw_text's output in pixels.
int text_width(const char* text, int scale);
int text_height(int scale);

}  // namespace sam3rt::pipeline
