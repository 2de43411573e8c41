#include "model/box-rpb.h"

#include <cmath>
#include <vector>

#include "core/thread-pool.h"
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
  const Tensor xyxy = box_cxcywh_to_xyxy(boxes);
  const float* b = xyxy.data<float>();
  // by: [Q, H, heads], bx: [Q, W, heads]
  const Tensor by = embed_y_(axis_deltas(b, q, h, 1)).contiguous();
  const Tensor bx = embed_x_(axis_deltas(b, q, w, 0)).contiguous();
  const float* py = by.data<float>();
  const float* px = bx.data<float>();
  const int64_t nh = heads_, hw = h * w;
  Tensor bias = Tensor::empty({1, nh, 1 + q, hw});
  float* out = bias.data<float>();
  parallel_for(nh * (1 + q), 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t head = r / (1 + q), row = r % (1 + q);
      float* o = out + r * hw;
      if (row == 0) {  // presence token: no bias
        for (int64_t t = 0; t < hw; ++t) o[t] = 0.f;
        continue;
      }
      const int64_t k = row - 1;
      for (int64_t i = 0; i < h; ++i) {
        const float yv = py[(k * h + i) * nh + head];
        const float* xr = px + k * w * nh + head;
        for (int64_t j = 0; j < w; ++j) o[i * w + j] = yv + xr[j * nh];
      }
    }
  });
  return bias;
}

}  // namespace sam3rt
