// CUDA normalisation kernels: layer norm over the last dim, group norm over (channel group ×
// spatial). ref: backend/cpu/reference/ref-norm.cpp (two-pass mean/variance in f64, biased
// variance). The reference's f64 accuracy is kept in f32 by normalising with a split mean: a first
// estimate m0 and a small correction c (mean = m0 + c), so x − mean is evaluated as (x − m0) − c.
// When the data sit far from zero (|mean| ≫ std) x − m0 is exact and the mean's own rounding,
// which a single f32 mean would add to every output (~ulp(mean)/std), disappears.
#include <cmath>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/row-reduce.cuh"

namespace sam3rt::cuda {
namespace {

// x, y: contiguous [rows, C]; w, b: [C] or null. Per row, three passes (the row is re-read from
// L1/L2): (1) m0 = Σx / C; (2) s1 = Σ(x − m0), s2 = Σ(x − m0)², giving c = s1 / C and the biased
// variance s2 / C − c² (the shifted two-pass algorithm, exact up to f32 rounding of s1, s2);
// (3) y = ((x − m0) − c) · rstd · w + b.
template <bool kWarp>
__global__ void layer_norm_kernel(const float* x, const float* w, const float* b, float* y, int64_t rows,
                                  int64_t C, float eps) {
  __shared__ float scratch[32];
  const RowGroup<kWarp> g;
  const float inv_c = 1.f / static_cast<float>(C);
  for (int64_t row = g.row0; row < rows; row += g.row_step) {
    const float* xr = x + row * C;
    float* yr = y + row * C;
    float s0 = 0.f;
    for (int64_t j = g.lane; j < C; j += g.width) s0 += xr[j];
    const float m0 = row_reduce<kWarp>(s0, SumOp(), scratch) * inv_c;
    float s1 = 0.f, s2 = 0.f;
    for (int64_t j = g.lane; j < C; j += g.width) {
      const float d = xr[j] - m0;
      s1 += d;
      s2 += d * d;
    }
    s1 = row_reduce<kWarp>(s1, SumOp(), scratch);
    s2 = row_reduce<kWarp>(s2, SumOp(), scratch);
    const float c = s1 * inv_c;
    const float var = fmaxf(s2 * inv_c - c * c, 0.f);
    const float rstd = 1.f / sqrtf(var + eps);
    for (int64_t j = g.lane; j < C; j += g.width) {
      float v = ((xr[j] - m0) - c) * rstd;
      if (w) v *= w[j];
      if (b) v += b[j];
      yr[j] = v;
    }
  }
}

// Group statistics in two steps, so that a few large groups (GroupNorm(8) over 256 × 288² has
// 2.7M elements per group) still spread over the whole GPU:
// 1. x: contiguous [groups_total, count] (= [B, G, C/G · S]) cut into chunks of kStatsChunk: one
//    block per (group, chunk) computes the chunk's mean and M2 = Σ(x − mean)² in f64 (two passes
//    over the chunk, which stays in L1/L2) → part [groups_total][chunks][2];
// 2. one block per group merges its chunks (Chan et al.'s pairwise formula, f64):
//    mean = Σ nᵢ·meanᵢ / N, M2 = Σ (M2ᵢ + nᵢ·(meanᵢ − mean)²) → stats [groups_total, 3] =
//    (m0, c, rstd) with mean = m0 + c. f64 as the reference, so the sums stay exact enough.
constexpr int64_t kStatsChunk = 16384;

__global__ void group_partial_kernel(const float* x, double* part, int64_t groups_total, int64_t count,
                                     int64_t chunks) {
  __shared__ double scratch[32];
  for (int64_t item = blockIdx.x; item < groups_total * chunks; item += gridDim.x) {
    const int64_t grp = item / chunks, chunk = item % chunks;
    const int64_t lo = chunk * kStatsChunk, hi = lo + kStatsChunk < count ? lo + kStatsChunk : count;
    const float* xg = x + grp * count;
    double s = 0.0;
    for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) s += xg[i];
    const double mean = block_reduce(s, SumOp(), scratch) / static_cast<double>(hi - lo);
    double v = 0.0;
    for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
      const double d = xg[i] - mean;
      v += d * d;
    }
    const double m2 = block_reduce(v, SumOp(), scratch);
    if (threadIdx.x == 0) {
      part[item * 2] = mean;
      part[item * 2 + 1] = m2;
    }
  }
}

__global__ void group_finalize_kernel(const double* part, float* stats, int64_t groups_total, int64_t count,
                                      int64_t chunks, float eps) {
  __shared__ double scratch[32];
  auto chunk_n = [&](int64_t chunk) {
    return static_cast<double>((chunk + 1) * kStatsChunk < count ? kStatsChunk : count - chunk * kStatsChunk);
  };
  for (int64_t grp = blockIdx.x; grp < groups_total; grp += gridDim.x) {
    const double* pg = part + grp * chunks * 2;
    double s = 0.0;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) s += chunk_n(c) * pg[c * 2];
    const double mean = block_reduce(s, SumOp(), scratch) / static_cast<double>(count);
    double v = 0.0;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
      const double d = pg[c * 2] - mean;
      v += pg[c * 2 + 1] + chunk_n(c) * d * d;
    }
    const double var = block_reduce(v, SumOp(), scratch) / static_cast<double>(count);
    if (threadIdx.x == 0) {
      const float m0 = static_cast<float>(mean);
      stats[grp * 3] = m0;
      stats[grp * 3 + 1] = static_cast<float>(mean - static_cast<double>(m0));
      stats[grp * 3 + 2] = static_cast<float>(1.0 / sqrt(var + static_cast<double>(eps)));
    }
  }
}

// x, y: contiguous [B, C, S]; group of element i = i / (Cg·S), channel = (i / S) % C.
__global__ void group_norm_apply_kernel(const float* x, const float* stats, const float* w, const float* b,
                                        float* y, int64_t n, int64_t C, int64_t S, int64_t group_count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float* st = stats + (i / group_count) * 3;
    float v = ((x[i] - st[0]) - st[1]) * st[2];
    if (w || b) {
      const int64_t ch = (i / S) % C;
      if (w) v *= w[ch];
      if (b) v += b[ch];
    }
    y[i] = v;
  }
}

const float* optional_data(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

}  // namespace

// x: [..., C], w/b: [C] or undefined → contiguous, same shape
Tensor layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor y = Tensor::empty(x_in.shape(), DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor x = x_in.contiguous();
  const Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t C = x.size(-1), rows = x.numel() / C;
  if (C <= kWarpRowLimit) {
    layer_norm_kernel<true><<<row_blocks(rows, true), kRowThreads, 0, s>>>(
        x.data<float>(), optional_data(w), optional_data(b), y.data<float>(), rows, C, eps);
  } else {
    layer_norm_kernel<false><<<row_blocks(rows, false), kRowThreads, 0, s>>>(
        x.data<float>(), optional_data(w), optional_data(b), y.data<float>(), rows, C, eps);
  }
  check_launch("layer_norm");
  return y;
}

// x: [B, C, ...], C divisible by groups, w/b: [C] or undefined → contiguous, same shape
Tensor group_norm(const Tensor& x_in, int groups, const Tensor& w_in, const Tensor& b_in, float eps) {
  Tensor y = Tensor::empty(x_in.shape(), DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor x = x_in.contiguous();
  const Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t n = x.numel(), B = x.size(0), C = x.size(1), S = n / (B * C);
  const int64_t groups_total = B * groups, group_count = (C / groups) * S;
  Tensor stats = Tensor::empty({groups_total, 3}, DType::kF32, x.device());
  const int64_t chunks = (group_count + kStatsChunk - 1) / kStatsChunk;
  const Tensor part = Tensor::empty({groups_total * chunks * 2 * 2}, DType::kF32, x.device());  // f64 pairs
  double* const pp = static_cast<double*>(part.raw_data());
  constexpr int kStatsThreads = 512;
  group_partial_kernel<<<blocks_for(groups_total * chunks, 1), kStatsThreads, 0, s>>>(
      x.data<float>(), pp, groups_total, group_count, chunks);
  check_launch("group_norm_partial");
  group_finalize_kernel<<<blocks_for(groups_total, 1), kStatsThreads, 0, s>>>(
      pp, stats.data<float>(), groups_total, group_count, chunks, eps);
  check_launch("group_norm_stats");
  group_norm_apply_kernel<<<blocks_for(n), kThreads, 0, s>>>(x.data<float>(), stats.data<float>(),
                                                             optional_data(w), optional_data(b),
                                                             y.data<float>(), n, C, S, group_count);
  check_launch("group_norm");
  return y;
}

}  // namespace sam3rt::cuda
