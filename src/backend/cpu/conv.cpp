// Optimised convolutions (NCHW) as GEMMs:
// - conv2d: 1×1/stride-1 convs multiply the weight by the input plane directly; kernel == stride
//   without padding (ViT patchify) gathers non-overlapping patches; a kernel covering the whole
//   unpadded input (the 7×7 RoI conv) is one linear layer over the batch; everything else uses
//   im2col, tiled over output rows so the column buffer stays bounded;
// - conv_transpose2d: one GEMM per image (Wᵀ·X) and a scatter-add of the kernel footprints.
// GEMMs use BLAS's own threads; the gathers and scatters run on the pool (never both at once).
#include <algorithm>
#include <cstring>

#include "backend/cpu/bf16-gemm.h"
#include "backend/cpu/cpu-kernels.h"
#include "core/blas.h"
#include "core/numerics.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

constexpr int64_t kColBudget = 4 << 20;  // floats in one im2col tile (16 MiB)

// Every [P]-sized output plane (n, o) starts as b[o].
void fill_bias(float* y, int64_t batch, int64_t O, int64_t P, const float* b) {
  parallel_for(batch * O, std::max<int64_t>(1, 16384 / std::max<int64_t>(P, 1)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) std::fill(y + i * P, y + (i + 1) * P, b[i % O]);
  });
}

// col[(c·kh + ky)·kw + kx, (oy − oy0)·Wo + ox] = x[c, oy·sh − ph + ky, ox·sw − pw + kx] (0 outside)
void im2col(const float* x, int64_t Cg, int64_t H, int64_t W, int64_t kh, int64_t kw, int sh, int sw, int ph,
            int pw, int64_t oy0, int64_t oy1, int64_t Wo, float* col) {
  const int64_t K = Cg * kh * kw, cols = (oy1 - oy0) * Wo;
  parallel_for(K, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t kx = k % kw, ky = (k / kw) % kh, c = k / (kw * kh);
      const float* plane = x + c * H * W;
      float* dst = col + k * cols;
      // Output columns whose input x lies inside [0, W): ox in [ox_lo, ox_hi).
      const int64_t off = kx - pw;
      const int64_t ox_lo = std::min<int64_t>(Wo, off >= 0 ? 0 : (-off + sw - 1) / sw);
      const int64_t ox_hi = std::max<int64_t>(ox_lo, std::min<int64_t>(Wo, W - off > 0 ? (W - off + sw - 1) / sw : 0));
      for (int64_t oy = oy0; oy < oy1; ++oy, dst += Wo) {
        const int64_t iy = oy * sh - ph + ky;
        if (iy < 0 || iy >= H) {
          std::fill(dst, dst + Wo, 0.f);
          continue;
        }
        const float* src = plane + iy * W + off;
        std::fill(dst, dst + ox_lo, 0.f);
        if (sw == 1) {
          std::memcpy(dst + ox_lo, src + ox_lo, static_cast<size_t>(ox_hi - ox_lo) * sizeof(float));
        } else {
          for (int64_t ox = ox_lo; ox < ox_hi; ++ox) dst[ox] = src[ox * sw];
        }
        std::fill(dst + ox_hi, dst + Wo, 0.f);
      }
    }
  });
}

// Non-overlapping patches (kernel == stride, no padding): patches[p, (c·kh + ky)·kw + kx].
void gather_patches(const float* x, int64_t C, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t Ho,
                    int64_t Wo, float* patches) {
  const int64_t K = C * kh * kw;
  parallel_for(Ho * Wo, 16, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t oy = p / Wo, ox = p % Wo;
      float* dst = patches + p * K;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t ky = 0; ky < kh; ++ky, dst += kw)
          std::memcpy(dst, x + (c * H + oy * kh + ky) * W + ox * kw, static_cast<size_t>(kw) * sizeof(float));
    }
  });
}

}  // namespace

// x: [B, C, H, W], w: [O, C/groups, kh, kw], b: [O] → [B, O, Ho, Wo]
Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw, int ph, int pw,
              int groups) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Og = O / groups, K = Cg * kh * kw;
  const int64_t Ho = (H + 2 * ph - kh) / sh + 1, Wo = (W + 2 * pw - kw) / sw + 1, P = Ho * Wo;
  const bool bf16 = matmul_precision() == MatmulPrecision::kBf16;
  Tensor y = Tensor::empty({B, O, Ho, Wo});
  if (y.numel() == 0) return y;
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  float* yp = y.data<float>();
  float beta = 0.f;
  if (b_in.defined()) {
    Tensor b = b_in.contiguous();
    fill_bias(yp, B, O, P, b.data<float>());
    beta = 1.f;
  }
  const bool no_pad = ph == 0 && pw == 0;
  // The kernel covers the whole input: y[n, o] = w[o, :] · x[n, :], one GEMM over the batch.
  if (groups == 1 && no_pad && kh == H && kw == W) {
    gemm_f32_operands(bf16, false, true, B, O, K, 1.f, xp, K, wp, K, beta, yp, O);
    return y;
  }
  // Scratch for patches / im2col tiles, sized on first use and fully written before each GEMM.
  // It comes from the caching tensor allocator: fresh pages would cost a page fault per 4 KiB
  // on every call (measured: faults were ~15% of a transposed conv's time).
  Tensor buf;
  auto scratch = [&](int64_t n) {
    if (!buf.defined() || buf.numel() < n) buf = Tensor::empty({n});
    return buf.data<float>();
  };
  for (int64_t n = 0; n < B; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      const float* xg = xp + (n * C + g * Cg) * H * W;
      const float* wg = wp + g * Og * K;
      float* yg = yp + (n * O + g * Og) * P;
      if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && no_pad) {
        gemm_f32_operands(bf16, false, false, Og, P, Cg, 1.f, wg, K, xg, H * W, beta, yg, P);
      } else if (groups == 1 && no_pad && kh == sh && kw == sw) {
        float* patches = scratch(P * K);
        gather_patches(xg, Cg, H, W, kh, kw, Ho, Wo, patches);
        gemm_f32_operands(bf16, false, true, Og, P, K, 1.f, wg, K, patches, K, beta, yg, P);
      } else {
        const int64_t tile_rows = std::clamp<int64_t>(kColBudget / std::max<int64_t>(K * Wo, 1), 1, Ho);
        float* col = scratch(K * tile_rows * Wo);
        for (int64_t oy0 = 0; oy0 < Ho; oy0 += tile_rows) {
          const int64_t oy1 = std::min(Ho, oy0 + tile_rows), cols = (oy1 - oy0) * Wo;
          im2col(xg, Cg, H, W, kh, kw, sh, sw, ph, pw, oy0, oy1, Wo, col);
          gemm_f32_operands(bf16, false, false, Og, cols, K, 1.f, wg, K, col, cols, beta, yg + oy0 * Wo, P);
        }
      }
    }
  return y;
}

// x: [B, C, H, W], w: [C, O, kh, kw], b: [O] → [B, O, (H−1)·s + kh, (W−1)·s + kw]
Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(1), kh = w.size(2), kw = w.size(3), R = O * kh * kw;
  const int64_t Ho = (H - 1) * sh + kh, Wo = (W - 1) * sw + kw;
  const bool bf16 = matmul_precision() == MatmulPrecision::kBf16;
  // kernel == stride (the neck's 2×2/s2): footprints tile the output exactly, so every output
  // element is written once and nothing needs zeroing or accumulating.
  const bool tiles = kh == sh && kw == sw;
  Tensor y = tiles && C > 0 ? Tensor::empty({B, O, Ho, Wo}) : Tensor::zeros({B, O, Ho, Wo});
  if (y.numel() == 0) return y;
  float* yp = y.data<float>();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  if (C == 0) {
    if (bp) fill_bias(yp, B, O, Ho * Wo, bp);
    return y;
  }
  if (!tiles && bp) fill_bias(yp, B, O, Ho * Wo, bp);
  // GEMM output, fully written; from the caching allocator (see conv2d's scratch).
  Tensor t_buf = Tensor::empty({R * H * W});
  float* t = t_buf.data<float>();
  for (int64_t n = 0; n < B; ++n) {
    // t[(o·kh + ky)·kw + kx, iy·W + ix] = Σ_c w[c, o, ky, kx] · x[n, c, iy, ix]
    gemm_f32_operands(bf16, true, false, R, H * W, C, 1.f, w.data<float>(), R,
                      x.data<float>() + n * C * H * W, H * W, 0.f, t, H * W);
    // Each task owns whole output planes, so overlapping footprints (kernel > stride) never race.
    parallel_for(O, 1, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        float* plane = yp + (n * O + o) * Ho * Wo;
        const float bias = bp ? bp[o] : 0.f;
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            const float* src = t + ((o * kh + ky) * kw + kx) * H * W;
            for (int64_t iy = 0; iy < H; ++iy) {
              float* dst = plane + (iy * sh + ky) * Wo + kx;
              const float* s = src + iy * W;
              if (tiles) {
                for (int64_t ix = 0; ix < W; ++ix) dst[ix * sw] = s[ix] + bias;
              } else {
                for (int64_t ix = 0; ix < W; ++ix) dst[ix * sw] += s[ix];
              }
            }
          }
      }
    });
  }
  return y;
}

}  // namespace sam3rt::cpu
