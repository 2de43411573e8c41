// Optimised antialiased bilinear interpolation (PyTorch F.interpolate(mode='bilinear',
// align_corners=False, antialias=True)). The windows and weights of each axis are computed once
// per call (the reference recomputes them per output index), and the passes run in parallel: the
// width pass over input rows, the height pass over output rows, vectorised across the row.
//
// Same f32 operations in the same order as the reference kernel (ref-resample.cpp, which cites
// ATen): the same window and weight arithmetic, and per output element the first product then one
// fma per further tap, in tap order. The height pass keeps that order per element while running
// across a row (acc[ox] = fma(row_j[ox], w_j, acc[ox]) for j = 1, 2, …), so results match the
// reference bit for bit.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

// ref: ATen UpSampleKernel.cpp HelperInterpLinear::aa_filter<float> (see ref-resample.cpp)
inline float triangle(float x) {
  x = std::fabs(x);
  return x < 1.f ? static_cast<float>(1.0 - static_cast<double>(x)) : 0.f;
}

// Every output index's window along one axis: inputs [start[i], start[i] + size[i]) with weights
// weights[i·max_size …].
struct AxisTaps {
  std::vector<int64_t> start, size;
  std::vector<float> weights;
  int64_t max_size = 0;
};

// ref: ATen HelperInterpBase::_compute_index_ranges_weights / _compute_indices_min_size_weights_aa
// with scalar_t = float; the arithmetic, types and roundings of ref-resample.cpp aa_window.
AxisTaps axis_taps(int64_t in, int64_t out) {
  AxisTaps a;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float support = scale >= 1.f ? scale : 1.f;
  a.max_size = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.f;
  a.start.resize(out);
  a.size.resize(out);
  a.weights.assign(static_cast<size_t>(out * a.max_size), 0.f);
  for (int64_t i = 0; i < out; ++i) {
    const float center = static_cast<float>(static_cast<double>(scale) * (static_cast<double>(i) + 0.5));
    const int64_t xmin =
        std::max<int64_t>(static_cast<int64_t>(static_cast<double>(center - support) + 0.5), 0);
    const int64_t xsize = std::clamp<int64_t>(
        std::min<int64_t>(static_cast<int64_t>(static_cast<double>(center + support) + 0.5), in) - xmin, 0,
        a.max_size);
    a.start[i] = xmin;
    a.size[i] = xsize;
    float* w = &a.weights[static_cast<size_t>(i * a.max_size)];
    float total = 0.f;
    for (int64_t j = 0; j < xsize; ++j) {
      const float d = static_cast<float>(j + xmin) - center;
      w[j] = triangle(static_cast<float>((static_cast<double>(d) + 0.5) * static_cast<double>(invscale)));
      total += w[j];
    }
    if (total != 0.f)
      for (int64_t j = 0; j < xsize; ++j) w[j] /= total;
  }
  return a;
}

// rows: [R, in] → out: [R, a.start.size()], one tap window per output column.
void width_pass(const float* rows, int64_t R, int64_t in, const AxisTaps& a, float* out) {
  const int64_t ow = static_cast<int64_t>(a.start.size());
  parallel_for(R, std::max<int64_t>(1, 16384 / (ow * a.max_size)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = rows + r * in;
      float* dst = out + r * ow;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const float* src = row + a.start[ox];
        const float* w = &a.weights[static_cast<size_t>(ox * a.max_size)];
        const int64_t n = a.size[ox];
        float acc = n > 0 ? src[0] * w[0] : 0.f;
        for (int64_t j = 1; j < n; ++j) acc = std::fma(src[j], w[j], acc);
        dst[ox] = acc;
      }
    }
  });
}

// planes: [P, H, W] → out: [P, oh, W], one tap window per output row.
void height_pass(const float* planes, int64_t P, int64_t H, int64_t W, const AxisTaps& a, float* out) {
  const int64_t oh = static_cast<int64_t>(a.start.size());
  parallel_for(P * oh, std::max<int64_t>(1, 16384 / (W * a.max_size)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / oh, oy = r % oh;
      const float* src = planes + (p * H + a.start[oy]) * W;
      const float* w = &a.weights[static_cast<size_t>(oy * a.max_size)];
      const int64_t n = a.size[oy];
      float* __restrict dst = out + r * W;
      if (n == 0) {
        std::fill(dst, dst + W, 0.f);
        continue;
      }
      const float w0 = w[0];
      for (int64_t ox = 0; ox < W; ++ox) dst[ox] = src[ox] * w0;
      for (int64_t j = 1; j < n; ++j) {
        const float* __restrict row = src + j * W;
        const float wj = w[j];
        for (int64_t ox = 0; ox < W; ++ox) dst[ox] = std::fma(row[ox], wj, dst[ox]);
      }
    }
  });
}

}  // namespace

// x: [B, C, H, W] → [B, C, oh, ow]. As ATen's CPU kernel (and the reference): equal sizes → a
// copy; otherwise the width pass, then the height pass, each skipped when its size is unchanged.
Tensor interpolate_bilinear_antialias(const Tensor& x_in, int oh, int ow) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3), P = B * C;
  if (oh == H && ow == W) return x_in.clone();
  Tensor t = x_in.contiguous();
  if (P == 0) return Tensor::empty({B, C, oh, ow});
  if (ow != W) {
    Tensor u = Tensor::empty({B, C, H, ow});
    width_pass(t.data<float>(), P * H, W, axis_taps(W, ow), u.data<float>());
    t = u;
  }
  if (oh != H) {
    Tensor u = Tensor::empty({B, C, oh, ow});
    height_pass(t.data<float>(), P, H, ow, axis_taps(H, oh), u.data<float>());
    t = u;
  }
  return t;
}

}  // namespace sam3rt::cpu
