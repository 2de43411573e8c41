// Optimised bilinear interpolation (align_corners=False): source indices and weights are
// computed once per output row/column, then every (batch, channel) plane is resampled in
// parallel. Same f32 arithmetic as the reference, so results match it bit for bit.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<float> l0, l1;
};

// ref: ATen UpSample.h area_pixel_compute_source_index, compute_source_index_and_lambda
Taps bilinear_taps(int64_t in, int64_t out) {
  Taps t;
  t.i0.resize(out), t.i1.resize(out), t.l0.resize(out), t.l1.resize(out);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int64_t d = 0; d < out; ++d) {
    float src = scale * (static_cast<float>(d) + 0.5f) - 0.5f;
    if (src < 0.f) src = 0.f;
    const int64_t i0 = static_cast<int64_t>(src);
    t.i0[d] = i0;
    t.i1[d] = i0 + (i0 < in - 1 ? 1 : 0);
    t.l1[d] = src - static_cast<float>(i0);
    t.l0[d] = 1.f - t.l1[d];
  }
  return t;
}

}  // namespace

// x: [B, C, H, W] → [B, C, oh, ow]
Tensor interpolate_bilinear(const Tensor& x_in, int oh, int ow) {
  Tensor x = x_in.contiguous();
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow});
  if (y.numel() == 0) return y;
  const Taps ty = bilinear_taps(H, oh), tx = bilinear_taps(W, ow);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  parallel_for(P * oh, std::max<int64_t>(1, 4096 / ow), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / oh, oy = r % oh;
      const float* row0 = xp + (p * H + ty.i0[oy]) * W;
      const float* row1 = xp + (p * H + ty.i1[oy]) * W;
      const float hy = ty.l0[oy], ly = ty.l1[oy];
      float* out = yp + r * ow;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t x0 = tx.i0[ox], x1 = tx.i1[ox];
        const float hx = tx.l0[ox], lx = tx.l1[ox];
        out[ox] = hy * (hx * row0[x0] + lx * row0[x1]) + ly * (hx * row1[x0] + lx * row1[x1]);
      }
    }
  });
  return y;
}

// x: [B, C, H, W] → [B, C, oh, ow]; PyTorch's 'nearest' (source index ⌊dst · in/out⌋, the
// scale in f32 as the reference kernel computes it).
Tensor interpolate_nearest(const Tensor& x_in, int oh, int ow) {
  Tensor x = x_in.contiguous();
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow});
  if (y.numel() == 0) return y;
  const float sh = static_cast<float>(H) / static_cast<float>(oh), sw = static_cast<float>(W) / static_cast<float>(ow);
  std::vector<int64_t> src_x(ow);
  for (int64_t ox = 0; ox < ow; ++ox)
    src_x[ox] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(ox) * sw)), W - 1);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  parallel_for(P * oh, std::max<int64_t>(1, 4096 / ow), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / oh, oy = r % oh;
      const int64_t iy = std::min(static_cast<int64_t>(std::floor(static_cast<float>(oy) * sh)), H - 1);
      const float* __restrict row = xp + (p * H + iy) * W;
      float* __restrict out = yp + r * ow;
      for (int64_t ox = 0; ox < ow; ++ox) out[ox] = row[src_x[ox]];
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
