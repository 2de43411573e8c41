// Reference convolution and pooling (NCHW): direct loops, f64 accumulation.
#include <algorithm>
#include <limits>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// x: [B, C, H, W], w: [O, C/groups, kh, kw], b: [O] → [B, O, Ho, Wo]
Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw, int ph, int pw,
              int groups) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Og = O / groups;
  const int64_t Ho = (H + 2 * ph - kh) / sh + 1, Wo = (W + 2 * pw - kw) / sw + 1;
  Tensor y = Tensor::empty({B, O, Ho, Wo});
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  float* yp = y.data<float>();
  for (int64_t n = 0; n < B; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t g = o / Og;
      for (int64_t oy = 0; oy < Ho; ++oy)
        for (int64_t ox = 0; ox < Wo; ++ox) {
          double acc = bp ? bp[o] : 0.0;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t iy = oy * sh - ph + ky;
              if (iy < 0 || iy >= H) continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ix = ox * sw - pw + kx;
                if (ix < 0 || ix >= W) continue;
                acc += static_cast<double>(xp[((n * C + g * Cg + c) * H + iy) * W + ix]) *
                       wp[((o * Cg + c) * kh + ky) * kw + kx];
              }
            }
          yp[((n * O + o) * Ho + oy) * Wo + ox] = static_cast<float>(acc);
        }
    }
  return y;
}

// x: [B, C, H, W], w: [C, O, kh, kw], b: [O] → [B, O, (H−1)·s + kh, (W−1)·s + kw]
// Scatter form: every input pixel adds its kernel-sized footprint to the output.
Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Ho = (H - 1) * sh + kh, Wo = (W - 1) * sw + kw;
  std::vector<double> acc(static_cast<size_t>(B * O * Ho * Wo), 0.0);
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  for (int64_t n = 0; n < B; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t iy = 0; iy < H; ++iy)
        for (int64_t ix = 0; ix < W; ++ix) {
          const double v = xp[((n * C + c) * H + iy) * W + ix];
          for (int64_t o = 0; o < O; ++o)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx)
                acc[((n * O + o) * Ho + iy * sh + ky) * Wo + ix * sw + kx] +=
                    v * wp[((c * O + o) * kh + ky) * kw + kx];
        }
  Tensor y = Tensor::empty({B, O, Ho, Wo});
  float* yp = y.data<float>();
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int64_t o = (i / (Ho * Wo)) % O;
    yp[i] = static_cast<float>(acc[i] + (bp ? bp[o] : 0.0));
  }
  return y;
}

// x: [B, C, H, W] → [B, C, ⌊(H−k)/s⌋+1, ⌊(W−k)/s⌋+1]
Tensor max_pool2d(const Tensor& x_in, int k, int s) {
  Tensor x = x_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = (H - k) / s + 1, Wo = (W - k) / s + 1;
  Tensor y = Tensor::empty({B, C, Ho, Wo});
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t p = 0; p < B * C; ++p)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        float m = -std::numeric_limits<float>::infinity();
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const float v = xp[(p * H + oy * s + ky) * W + ox * s + kx];
            // NaN propagates, as in PyTorch.
            if (v > m || v != v) m = v;
          }
        yp[(p * Ho + oy) * Wo + ox] = m;
      }
  return y;
}

}  // namespace sam3rt::cpu::ref
