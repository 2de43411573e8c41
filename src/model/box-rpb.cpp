#include "model/box-rpb.h"

#include <cmath>
#include <vector>

#include "ops/ops.h"

namespace sam3rt {

BoxRpb::BoxRpb(const WeightStore& w, const std::string& prefix, int d_model, int heads)
    : embed_x_(w, prefix + "boxRPB_embed_x.", 2, d_model, heads, 2),
      embed_y_(w, prefix + "boxRPB_embed_y.", 2, d_model, heads, 2),
      heads_(heads) {}

namespace {

// ref: _get_rpb_matrix, "log": sign(8δ)·log2(|8δ| + 1)/log2(8)
inline float log_delta(float delta) {
  const float v = delta * 8.f;
  const float s = v > 0.f ? 1.f : (v < 0.f ? -1.f : 0.f);
  return s * std::log2(std::fabs(v) + 1.f) / 3.f;
}

// deltas[q, i, :] = log_delta(coord_i − (lo_q, hi_q)), coord_i = i / n → [Q, n, 2]
Tensor axis_deltas(const float* xyxy, int64_t q, int64_t n, int lo_index) {
  Tensor out = Tensor::empty({q, n, 2});
  float* o = out.data<float>();
  for (int64_t k = 0; k < q; ++k) {
    const float lo = xyxy[4 * k + lo_index], hi = xyxy[4 * k + lo_index + 2];
    for (int64_t i = 0; i < n; ++i) {
      const float c = static_cast<float>(i) / static_cast<float>(n);
      o[(k * n + i) * 2] = log_delta(c - lo);
      o[(k * n + i) * 2 + 1] = log_delta(c - hi);
    }
  }
  return out;
}

}  // namespace

// boxes: [Q, 4] → [1, heads, 1+Q, H·W]
Tensor BoxRpb::forward(const Tensor& boxes, int64_t h, int64_t w) const {
  const int64_t q = boxes.size(0);
  const Device device = boxes.device();
  // The per-axis deltas are Q·(H+W) values: computed on the host from the Q boxes.
  const Tensor xyxy = box_cxcywh_to_xyxy(boxes).to(Device::cpu()).contiguous();
  const float* b = xyxy.data<float>();
  // by: [Q, H, heads], bx: [Q, W, heads]
  const Tensor by = embed_y_(axis_deltas(b, q, h, 1).to(device));
  const Tensor bx = embed_x_(axis_deltas(b, q, w, 0).to(device));
  // bias[head, 1 + k, i·W + j] = by[k, i, head] + bx[k, j, head]; row 0 (presence token): 0.
  const int64_t nh = heads_;
  const Tensor sum = ops::add(by.permute({2, 0, 1}).unsqueeze(3), bx.permute({2, 0, 1}).unsqueeze(2));  // [heads, Q, H, W]
  const Tensor presence = Tensor::zeros({nh, 1, h * w}, DType::kF32, device);
  return ops::concat({presence, sum.reshape({nh, q, h * w})}, 1).unsqueeze(0);
}

}  // namespace sam3rt
