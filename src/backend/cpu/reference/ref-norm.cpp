// Reference normalisation: two-pass mean/variance in f64 (biased variance, as PyTorch).
#include <cmath>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// x: [..., C], w/b: [C] or undefined → same shape
Tensor layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor x = x_in.contiguous();
  Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t C = x.size(-1), rows = x.numel() / C;
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = xp + r * C;
    double mean = 0, var = 0;
    for (int64_t c = 0; c < C; ++c) mean += row[c];
    mean /= C;
    for (int64_t c = 0; c < C; ++c) var += (row[c] - mean) * (row[c] - mean);
    var /= C;
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t c = 0; c < C; ++c) {
      double v = (row[c] - mean) * rstd;
      if (w.defined()) v *= w.data<float>()[c];
      if (b.defined()) v += b.data<float>()[c];
      yp[r * C + c] = static_cast<float>(v);
    }
  }
  return y;
}

// x: [B, C, ...] → same shape; statistics per (batch, group) over C/groups channels × spatial
Tensor group_norm(const Tensor& x_in, int groups, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor x = x_in.contiguous();
  Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), S = x.numel() / (B * C), Cg = C / groups;
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t n = 0; n < B; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t base = (n * C + g * Cg) * S, count = Cg * S;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < count; ++i) mean += xp[base + i];
      mean /= count;
      for (int64_t i = 0; i < count; ++i) var += (xp[base + i] - mean) * (xp[base + i] - mean);
      var /= count;
      const double rstd = 1.0 / std::sqrt(var + eps);
      for (int64_t c = 0; c < Cg; ++c) {
        const int64_t ch = g * Cg + c;
        for (int64_t s = 0; s < S; ++s) {
          const int64_t i = base + c * S + s;
          double v = (xp[i] - mean) * rstd;
          if (w.defined()) v *= w.data<float>()[ch];
          if (b.defined()) v += b.data<float>()[ch];
          yp[i] = static_cast<float>(v);
        }
      }
    }
  return y;
}

}  // namespace sam3rt::cpu::ref
