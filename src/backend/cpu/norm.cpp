// Optimised LayerNorm / GroupNorm: rows (or (batch, group) slabs) in parallel, two passes per
// row (mean, then centred sum of squares) in f32 with loops the compiler vectorises.
#include <algorithm>
#include <cmath>

#include "backend/cpu/cpu-kernels.h"
#include "backend/cpu/vec-math.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

// Mean and 1/√(var + eps) of n contiguous values: the corrected two-pass algorithm. The first
// pass's f32 mean can be off by a few ulp of |mean|, which matters when |mean| ≫ std; the
// centred second pass measures that error (Σ(x − m)) and removes it from both moments.
void moments(const float* __restrict x, int64_t n, float eps, float* mean_out, float* rstd_out) {
  const float fn = static_cast<float>(n);
  const float m = sum_f32(x, n) / fn;
  float s, s2;
  sum_dev_f32(x, n, m, &s, &s2);
  const float var = std::max(0.f, (s2 - s * s / fn) / fn);
  *mean_out = m + s / fn;
  *rstd_out = 1.f / std::sqrt(var + eps);
}

}  // namespace

// x: [..., C], w/b: [C] or undefined → same shape
Tensor layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor x = x_in.contiguous();
  Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t C = x.size(-1), rows = x.numel() / C;
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  const float* wp = w.defined() ? w.data<float>() : nullptr;
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  float* yp = y.data<float>();
  parallel_for(rows, std::max<int64_t>(1, 16384 / C), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* __restrict xr = xp + r * C;
      float* __restrict yr = yp + r * C;
      float mean, rstd;
      moments(xr, C, eps, &mean, &rstd);
      if (wp && bp) {
        for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean) * rstd * wp[c] + bp[c];
      } else {
        for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean) * rstd;
        if (wp)
          for (int64_t c = 0; c < C; ++c) yr[c] *= wp[c];
        if (bp)
          for (int64_t c = 0; c < C; ++c) yr[c] += bp[c];
      }
    }
  });
  return y;
}

// x: [B, C, ...] → same shape; statistics per (batch, group), affine per channel
Tensor group_norm(const Tensor& x_in, int groups, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor x = x_in.contiguous();
  Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(B * C, 1), Cg = C / groups;
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  const float* xp = x.data<float>();
  const float* wp = w.defined() ? w.data<float>() : nullptr;
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  float* yp = y.data<float>();
  parallel_for(B * groups, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t slab = s0; slab < s1; ++slab) {
      const int64_t g = slab % groups, base = slab * Cg * S;
      float mean, rstd;
      moments(xp + base, Cg * S, eps, &mean, &rstd);
      for (int64_t c = 0; c < Cg; ++c) {
        const int64_t ch = g * Cg + c;
        // y = x·scale + shift with the affine folded in
        const float scale = rstd * (wp ? wp[ch] : 1.f);
        const float shift = (bp ? bp[ch] : 0.f) - mean * scale;
        const float* __restrict xr = xp + base + c * S;
        float* __restrict yr = yp + base + c * S;
        for (int64_t s = 0; s < S; ++s) yr[s] = xr[s] * scale + shift;
      }
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
