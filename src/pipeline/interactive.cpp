#include "pipeline/interactive.h"

#include <cmath>

#include "core/error.h"
#include "ops/ops.h"
#include "pipeline/connected-components.h"

namespace sam3rt::pipeline {

std::vector<SamPoint> prepare_click_points(const ClickPrompt& prompt, int width, int height, int image_size) {
  SAM3RT_CHECK(!prompt.points.empty() || prompt.box || prompt.mask_input.defined(), kInvalidArgument,
               "a click prompt needs at least one point, a box or a mask input");
  const float W = static_cast<float>(width), H = static_cast<float>(height), S = static_cast<float>(image_size);
  // ref: SAM2Transforms.transform_coords: coords[..., 0] / w, coords[..., 1] / h, then * resolution
  auto to_model = [&](float x, float y, int label) { return SamPoint{x / W * S, y / H * S, label}; };
  std::vector<SamPoint> points;
  if (prompt.box) {
    const auto& b = *prompt.box;
    for (float v : b)
      SAM3RT_CHECK(std::isfinite(v), kInvalidArgument, "box ", b[0], ",", b[1], ",", b[2], ",", b[3],
                   " has a coordinate that is not a finite number");
    SAM3RT_CHECK(b[2] >= b[0] && b[3] >= b[1], kInvalidArgument, "box ", b[0], ",", b[1], ",", b[2], ",", b[3],
                 " has x1 < x0 or y1 < y0; give boxes as X0,Y0,X1,Y1 with X0 <= X1 and Y0 <= Y1");
    points.push_back(to_model(b[0], b[1], 2));
    points.push_back(to_model(b[2], b[3], 3));
  }
  for (const ClickPoint& p : prompt.points) {
    SAM3RT_CHECK(std::isfinite(p.x) && std::isfinite(p.y), kInvalidArgument, "point ", p.x, ",", p.y,
                 " has a coordinate that is not a finite number");
    SAM3RT_CHECK(p.label >= -1 && p.label <= 3, kInvalidArgument, "point ", p.x, ",", p.y, " has label ", p.label,
                 "; labels are 1 (positive), 0 (negative), -1 (ignored), 2/3 (box corners)");
    points.push_back(to_model(p.x, p.y, p.label));
  }
  return points;
}

Tensor prepare_mask_input(const Tensor& mask_input, int mask_size) {
  if (!mask_input.defined()) return Tensor();
  const Shape& s = mask_input.shape();
  const bool square = s.size() >= 2 && s[s.size() - 1] == mask_size && s[s.size() - 2] == mask_size;
  const bool unit_lead = s.size() <= 4 && mask_input.numel() == static_cast<int64_t>(mask_size) * mask_size;
  SAM3RT_CHECK(square && unit_lead, kInvalidArgument, "the mask input is ", s.str(), "; it must be ", mask_size,
               "x", mask_size, " low-resolution logits (one channel of a previous result's low_res_logits)");
  Tensor m = mask_input.to(Device::cpu()).to(DType::kF32).contiguous().reshape({1, 1, mask_size, mask_size});
  for (float v : m.to_vector())
    SAM3RT_CHECK(std::isfinite(v), kInvalidArgument, "the mask input holds a value that is not a finite number");
  return m;
}

void postprocess_click(const Tensor& low_res, int width, int height, float max_hole_area, ClickResult* out,
                       Tensor* mask_logits) {
  // low_res: [1, C, m, m] → host
  Tensor raw = low_res.to(Device::cpu()).contiguous();
  const int64_t C = raw.size(1), m = raw.size(2);
  Tensor filled = raw.clone();
  if (max_hole_area > 0)
    for (int64_t c = 0; c < C; ++c)
      fill_holes(filled.data<float>() + c * m * m, static_cast<int>(m), static_cast<int>(m), max_hole_area);
  // [1, C, m, m] → [1, C, H, W] (F.interpolate bilinear, align_corners=False)
  Tensor up = ops::interpolate_bilinear(filled, height, width).reshape({C, height, width});
  Tensor masks = Tensor::empty({C, height, width}, DType::kU8);
  const float* u = up.data<float>();
  uint8_t* k = masks.data<uint8_t>();
  for (int64_t i = 0; i < up.numel(); ++i) k[i] = u[i] > 0.f;  // mask_threshold 0
  out->masks = masks;
  out->low_res_logits = ops::clamp(raw, -32.f, 32.f).reshape({C, m, m});
  if (mask_logits) *mask_logits = up;
}

}  // namespace sam3rt::pipeline
