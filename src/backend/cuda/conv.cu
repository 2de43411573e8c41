// Convolution and pooling on the device (NCHW): conv2d as im2col + cuBLAS GEMM (1×1 stride-1
// convolutions as a direct GEMM, one-input-channel-per-group convolutions such as depthwise 7×7 as
// a direct kernel), conv_transpose2d as a GEMM followed by a deterministic gather, max_pool2d as a
// direct kernel.
#include <algorithm>
#include <cmath>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/gemm.h"

namespace sam3rt::cuda {

namespace {

// Upper bound on the im2col scratch (floats): 256 MiB. A 3×3 conv with 256 channels at 288²
// would need 764 MB at once, so the output rows are processed in chunks.
constexpr int64_t kMaxColumnFloats = int64_t(64) << 20;

#define SAM3RT_GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// col[k, p] for k = (c·kh + ky)·kw + kx < Cg·kh·kw and p = (oy − oy0)·Wo + ox < rows·Wo: the
// input pixel under tap (ky, kx) of output pixel (oy, ox), 0 in the padding. x points at the
// group's first channel ([Cg, H, W] contiguous). Consecutive threads write consecutive p.
__global__ void im2col_kernel(const float* x, float* col, int64_t H, int64_t W, int kh, int kw, int sh, int sw,
                              int ph, int pw, int64_t Wo, int64_t oy0, int64_t cols, int64_t n) {
  SAM3RT_GRID_STRIDE(i, n) {
    const int64_t k = i / cols, p = i - k * cols;
    const int64_t kx = k % kw, t = k / kw, ky = t % kh, c = t / kh;
    const int64_t oy = oy0 + p / Wo, ox = p % Wo;
    const int64_t iy = oy * sh - ph + ky, ix = ox * sw - pw + kx;
    col[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(c * H + iy) * W + ix] : 0.f;
  }
}

// Convolution with one input channel per group (Cg = 1: depthwise, groups = C), one thread per
// output pixel: y[n, o, oy, ox] = b[o] + Σ_{ky,kx} x[n, o / Og, iy, ix]·w[o, 0, ky, kx].
__global__ void conv_cg1_kernel(const float* x, const float* w, const float* b, float* y, int64_t C, int64_t H,
                                int64_t W, int64_t O, int64_t Og, int64_t Ho, int64_t Wo, int kh, int kw, int sh,
                                int sw, int ph, int pw, int64_t n) {
  SAM3RT_GRID_STRIDE(i, n) {
    const int64_t ox = i % Wo, t = i / Wo, oy = t % Ho, t2 = t / Ho, o = t2 % O, nb = t2 / O;
    const float* xp = x + (nb * C + o / Og) * H * W;
    const float* wp = w + o * kh * kw;
    float acc = b ? b[o] : 0.f;
    for (int ky = 0; ky < kh; ++ky) {
      const int64_t iy = oy * sh - ph + ky;
      if (iy < 0 || iy >= H) continue;
      for (int kx = 0; kx < kw; ++kx) {
        const int64_t ix = ox * sw - pw + kx;
        if (ix < 0 || ix >= W) continue;
        acc += xp[iy * W + ix] * wp[ky * kw + kx];
      }
    }
    y[i] = acc;
  }
}

// Transposed convolution, gather form: cols[(o·kh + ky)·kw + kx, iy·W + ix] holds x[:, iy, ix]
// weighted by w[:, o, ky, kx] (summed over input channels by the GEMM); output pixel (oy, ox)
// sums the taps with oy = iy·sh + ky, ox = ix·sw + kx. Each output is written by one thread in a
// fixed order: deterministic, no atomics. y points at one batch element ([O, Ho, Wo]).
__global__ void col2im_gather_kernel(const float* cols, const float* b, float* y, int64_t O, int64_t H, int64_t W,
                                     int kh, int kw, int sh, int sw, int64_t Ho, int64_t Wo, int64_t n) {
  SAM3RT_GRID_STRIDE(i, n) {
    const int64_t ox = i % Wo, t = i / Wo, oy = t % Ho, o = t / Ho;
    const int64_t hw = H * W;
    float acc = 0.f;
    for (int64_t ky = oy % sh; ky < kh && ky <= oy; ky += sh) {  // ky ≡ oy (mod sh), iy ≥ 0
      const int64_t iy = (oy - ky) / sh;
      if (iy >= H) continue;
      for (int64_t kx = ox % sw; kx < kw && kx <= ox; kx += sw) {
        const int64_t ix = (ox - kx) / sw;
        if (ix >= W) continue;
        acc += cols[((o * kh + ky) * kw + kx) * hw + iy * W + ix];
      }
    }
    y[i] = b ? acc + b[o] : acc;
  }
}

// y[p, oy, ox] = max over the k×k window (NaN propagates, as in PyTorch and the reference).
__global__ void max_pool_kernel(const float* x, float* y, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int k, int s,
                                int64_t n) {
  SAM3RT_GRID_STRIDE(i, n) {
    const int64_t ox = i % Wo, t = i / Wo, oy = t % Ho, p = t / Ho;
    const float* xp = x + (p * H + oy * s) * W + ox * s;
    float m = -INFINITY;
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const float v = xp[ky * W + kx];
        if (v > m || v != v) m = v;
      }
    y[i] = m;
  }
}

#undef SAM3RT_GRID_STRIDE

}  // namespace

// ref: backend/cpu/reference/ref-conv.cpp conv2d
// x: [B, C, H, W], w: [O, C/groups, kh, kw], b: [O] or undefined → [B, O, Ho, Wo]
Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw, int ph, int pw,
              int groups) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  const int64_t O = w_in.size(0), Cg = w_in.size(1), kh = w_in.size(2), kw = w_in.size(3);
  const int64_t Og = O / groups;
  const int64_t Ho = (H + 2 * ph - kh) / sh + 1, Wo = (W + 2 * pw - kw) / sw + 1;
  const int64_t HWo = Ho * Wo, K = Cg * kh * kw;
  Tensor y = Tensor::empty({B, O, Ho, Wo}, DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  if (K == 0) {  // no taps: the bias alone
    fill_bias(y, b, HWo);
    return y;
  }
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  float* yp = y.data<float>();

  if (Cg == 1 && groups > 1) {  // depthwise-style: a direct kernel (a GEMM per group would have K = kh·kw rows)
    const int64_t n = y.numel();
    conv_cg1_kernel<<<blocks_for(n), kThreads, 0, s>>>(xp, wp, b.defined() ? b.data<float>() : nullptr, yp, C, H, W,
                                                        O, Og, Ho, Wo, int(kh), int(kw), sh, sw, ph, pw, n);
    check_launch("conv_cg1");
    return y;
  }

  // y starts as the bias planes; the GEMMs accumulate onto them (beta = 1).
  if (b.defined()) fill_bias(y, b, HWo);
  const float beta = b.defined() ? 1.f : 0.f;
  // Group g: W_g [Og, K] row-major (rows g·Og… of w).
  auto weights = [&](int64_t g) { return GemmOperand{wp + g * Og * K, true, K}; };

  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0) {
    // 1×1: Y_g[Og, HW] = W_g[Og, Cg]·X_g[Cg, HW] straight from x, batched over B (W_g shared).
    for (int64_t g = 0; g < groups; ++g) {
      const GemmOperand xg{xp + g * Cg * H * W, true, H * W};
      gemm(index, Og, HWo, Cg, weights(g), 0, xg, C * H * W, beta, yp + g * Og * HWo, HWo, O * HWo, B);
    }
    return y;
  }

  // im2col over chunks of output rows: col [K, rows·Wo] → Y_g[:, chunk] = W_g·col (row stride Ho·Wo).
  const int64_t chunk_rows = std::clamp<int64_t>(kMaxColumnFloats / (K * Wo), 1, Ho);
  const Tensor col = Tensor::empty({K * chunk_rows * Wo}, DType::kF32, x.device());
  float* cp = col.data<float>();
  for (int64_t nb = 0; nb < B; ++nb)
    for (int64_t g = 0; g < groups; ++g) {
      const float* xg = xp + (nb * C + g * Cg) * H * W;
      float* yg = yp + (nb * O + g * Og) * HWo;
      for (int64_t oy0 = 0; oy0 < Ho; oy0 += chunk_rows) {
        const int64_t rows = std::min(chunk_rows, Ho - oy0), cols = rows * Wo, n = K * cols;
        // Same stream: this overwrite of col waits for the previous chunk's GEMM.
        im2col_kernel<<<blocks_for(n), kThreads, 0, s>>>(xg, cp, H, W, int(kh), int(kw), sh, sw, ph, pw, Wo, oy0, cols,
                                                          n);
        check_launch("im2col");
        gemm(index, Og, cols, K, weights(g), 0, GemmOperand{cp, true, cols}, 0, beta, yg + oy0 * Wo, HWo, 0, 1);
      }
    }
  return y;
}

// ref: backend/cpu/reference/ref-conv.cpp conv_transpose2d
// x: [B, C, H, W], w: [C, O, kh, kw], b: [O] or undefined → [B, O, (H−1)·sh + kh, (W−1)·sw + kw]
Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  const int64_t O = w_in.size(1), kh = w_in.size(2), kw = w_in.size(3);
  const int64_t Ho = (H - 1) * sh + kh, Wo = (W - 1) * sw + kw;
  Tensor y = Tensor::empty({B, O, Ho, Wo}, DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t HW = H * W, OKK = O * kh * kw, OHWo = O * Ho * Wo;
  if (C == 0 || HW == 0) {  // nothing reaches the output (kernel-sized outputs of an empty input): the bias alone
    fill_bias(y, b, Ho * Wo);
    return y;
  }
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  // cols[OKK, HW] = wᵀ[OKK, C]·x_n[C, HW]; w is [C, OKK] row-major, so wᵀ is column-major (ld OKK).
  const GemmOperand wt{w.data<float>(), false, OKK};
  const Tensor cols = Tensor::empty({OKK, HW}, DType::kF32, x.device());
  float* cp = cols.data<float>();
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  for (int64_t nb = 0; nb < B; ++nb) {
    const GemmOperand xn{x.data<float>() + nb * C * HW, true, HW};
    gemm(index, OKK, HW, C, wt, 0, xn, 0, 0.f, cp, HW, 0, 1);
    // Same stream: the next batch element's GEMM waits for this gather to finish reading cols.
    col2im_gather_kernel<<<blocks_for(OHWo), kThreads, 0, s>>>(cp, bp, y.data<float>() + nb * OHWo, O, H, W, int(kh),
                                                               int(kw), sh, sw, Ho, Wo, OHWo);
    check_launch("col2im_gather");
  }
  return y;
}

// ref: backend/cpu/reference/ref-conv.cpp max_pool2d
// x: [B, C, H, W] → [B, C, ⌊(H−k)/s⌋+1, ⌊(W−k)/s⌋+1]
Tensor max_pool2d(const Tensor& x_in, int k, int s) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  const int64_t Ho = (H - k) / s + 1, Wo = (W - k) / s + 1;
  Tensor y = Tensor::empty({B, C, Ho, Wo}, DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const Tensor x = x_in.contiguous();
  const int64_t n = y.numel();
  max_pool_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(x.data<float>(), y.data<float>(), H, W, Ho, Wo, k, s,
                                                                  n);
  check_launch("max_pool2d");
  return y;
}

}  // namespace sam3rt::cuda
