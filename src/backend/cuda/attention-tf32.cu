// Fused attention on TF32 tensor cores (wmma 16×16×8), for attention_precision() == kTf32.
//
// Same algorithm and contract as the fp32 kernel in attention.cu (online softmax over key tiles,
// the Lq×Lk matrix never exists), with the two products on tensor cores: a block of 4 warps owns
// 64 queries of one (batch, head); warp w owns query rows 16w..16w+15. Per tile of 64 keys:
//   1. K and V tiles are staged in shared memory (zero past Lk and past D / Dv);
//   2. each warp computes its 16×64 score strip S = Q·Kᵀ (operands rounded to TF32, fp32
//      accumulation) into shared memory;
//   3. the warp applies scale, bias and mask, updates its rows' running max and sum in fp32 (expf),
//      writes P and rescales its rows of the output accumulator O (kept in shared memory);
//   4. O += P·V on tensor cores, O loaded as the accumulator and stored back.
// Products are TF32 (10-bit mantissa operands): ~1e-3 relative on the output, like PyTorch's
// attention with allow_tf32. Head dims are zero-padded to kDP = 64.
#include <mma.h>

#include <cmath>

#include "backend/cuda/attention-args.cuh"
#include "backend/cuda/cuda-common.cuh"

namespace sam3rt::cuda {
namespace {

using namespace nvcuda;

constexpr int kBQ = 64, kBK = 64, kDP = 64;  // queries, keys per tile; padded head dim
constexpr int kWarps = 4, kThreadsTc = 32 * kWarps;
constexpr int kLd = kDP + 8;   // row stride of Q, K, V, O tiles (floats): a multiple of 8 (32-byte rows)
constexpr int kLdP = kBK + 8;  // row stride of the S / P tile
constexpr size_t kSmemFloats = size_t(kBQ) * kLd * 2 + size_t(kBK) * kLd * 2 + size_t(kBQ) * kLdP + 2 * kBQ;

using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragBCol = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using FragBRow = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragC = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

template <class Frag>
__device__ inline void to_tf32(Frag& f) {
  for (int t = 0; t < f.num_elements; ++t) f.x[t] = wmma::__float_to_tf32(f.x[t]);
}

// rows [r0, r0 + 64) × [0, kDP) of one (b, h) slice into dst[64][kLd]; zero past n_rows and E.
__device__ inline void load_tile(float* __restrict__ dst, const float* __restrict__ base, int64_t sl, int64_t r0,
                                 int64_t n_rows, int E) {
  for (int item = threadIdx.x; item < 64 * kDP; item += kThreadsTc) {
    const int c = item % kDP, r = item / kDP;
    dst[r * kLd + c] = r0 + r < n_rows && c < E ? __ldg(base + (r0 + r) * sl + c) : 0.f;
  }
}

__device__ inline float warp_max(float x) {
  for (int off = 16; off > 0; off >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, off));
  return x;
}
__device__ inline float warp_sum(float x) {
  for (int off = 16; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  return x;
}

__global__ void __launch_bounds__(kThreadsTc) attention_tf32_kernel(AttnArgs a) {
  extern __shared__ __align__(32) float smem[];
  float* const sq = smem;                    // [64][kLd]
  float* const sk = sq + kBQ * kLd;          // [64][kLd]
  float* const sv = sk + kBK * kLd;          // [64][kLd]
  float* const so = sv + kBK * kLd;          // [64][kLd] output accumulator
  float* const sp = so + kBQ * kLd;          // [64][kLdP] scores, then probabilities
  float* const row_max = sp + kBQ * kLdP;    // [64]
  float* const row_sum = row_max + kBQ;      // [64]
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const float neg_inf = -INFINITY;
  const int64_t q_tiles = (a.Lq + kBQ - 1) / kBQ;

  for (int64_t tile = blockIdx.x; tile < a.B * a.H * q_tiles; tile += gridDim.x) {
    const int64_t qt = tile % q_tiles, bh = tile / q_tiles, b = bh / a.H, h = bh % a.H;
    const int64_t q0 = qt * kBQ;
    __syncthreads();  // the previous tile's last reads of shared memory are done
    load_tile(sq, a.q.data + b * a.q.sb + h * a.q.sh, a.q.sl, q0, a.Lq, a.D);
    for (int item = threadIdx.x; item < kBQ * kLd; item += kThreadsTc) so[item] = 0.f;
    for (int r = threadIdx.x; r < kBQ; r += kThreadsTc) {
      row_max[r] = neg_inf;
      row_sum[r] = 0.f;
    }
    const float* kbase = a.k.data + b * a.k.sb + h * a.k.sh;
    const float* vbase = a.v.data + b * a.v.sb + h * a.v.sh;

    for (int64_t k0 = 0; k0 < a.Lk; k0 += kBK) {
      __syncthreads();  // K/V of the previous key tile are no longer read
      load_tile(sk, kbase, a.k.sl, k0, a.Lk, a.D);
      load_tile(sv, vbase, a.v.sl, k0, a.Lk, a.Dv);
      __syncthreads();

      // 2. S strip of this warp: rows 16·warp .. +15, 64 keys.
      for (int j = 0; j < kBK / 16; ++j) {
        FragC acc;
        wmma::fill_fragment(acc, 0.f);
        for (int kk = 0; kk < kDP; kk += 8) {
          FragA qa;
          FragBCol kb;  // Kᵀ tile = K rows 16j.. read column-major
          wmma::load_matrix_sync(qa, sq + (16 * warp) * kLd + kk, kLd);
          wmma::load_matrix_sync(kb, sk + (16 * j) * kLd + kk, kLd);
          to_tf32(qa);
          to_tf32(kb);
          wmma::mma_sync(acc, qa, kb, acc);
        }
        wmma::store_matrix_sync(sp + (16 * warp) * kLdP + 16 * j, acc, kLdP, wmma::mem_row_major);
      }
      __syncwarp();

      // 3. Online softmax of the warp's 16 rows: lane handles keys lane and lane + 32.
      for (int r = 16 * warp; r < 16 * warp + 16; ++r) {
        const int64_t qi = q0 + r;
        float s[2];
        for (int t = 0; t < 2; ++t) {
          const int c = lane + 32 * t;
          const int64_t key = k0 + c;
          float v = neg_inf;
          if (key < a.Lk && qi < a.Lq) {
            const float bias = a.bias ? a.bias[b * a.bb + h * a.bh + qi * a.bq + key * a.bk] : 0.f;
            v = fmaf(sp[r * kLdP + c], a.scale, bias);
            if (a.mask && a.mask[b * a.mb + key * a.ml]) v = neg_inf;
          }
          s[t] = v;
        }
        const float m_old = row_max[r];
        const float m_new = fmaxf(m_old, warp_max(fmaxf(s[0], s[1])));
        float alpha = 1.f, p0 = 0.f, p1 = 0.f;
        if (m_new != neg_inf) {  // else nothing visible yet: P = 0, O and the sum stay as they are
          alpha = expf(m_old - m_new);  // 0 when m_old was −∞
          p0 = expf(s[0] - m_new);
          p1 = expf(s[1] - m_new);
        }
        const float tile_sum = warp_sum(p0 + p1);
        sp[r * kLdP + lane] = p0;
        sp[r * kLdP + lane + 32] = p1;
        for (int c = lane; c < kDP; c += 32) so[r * kLd + c] *= alpha;
        __syncwarp();
        if (lane == 0) {
          row_sum[r] = row_sum[r] * alpha + tile_sum;
          row_max[r] = m_new;
        }
      }
      __syncwarp();

      // 4. O (rows of this warp) += P·V.
      for (int n = 0; n < kDP / 16; ++n) {
        FragC acc;
        wmma::load_matrix_sync(acc, so + (16 * warp) * kLd + 16 * n, kLd, wmma::mem_row_major);
        for (int kk = 0; kk < kBK; kk += 8) {
          FragA pa;
          FragBRow vb;
          wmma::load_matrix_sync(pa, sp + (16 * warp) * kLdP + kk, kLdP);
          wmma::load_matrix_sync(vb, sv + kk * kLd + 16 * n, kLd);
          to_tf32(pa);
          to_tf32(vb);
          wmma::mma_sync(acc, pa, vb, acc);
        }
        wmma::store_matrix_sync(so + (16 * warp) * kLd + 16 * n, acc, kLd, wmma::mem_row_major);
      }
      __syncwarp();
    }

    // Normalise and write this warp's rows (a row that saw no visible key has sum 0 → zeros).
    for (int r = 16 * warp; r < 16 * warp + 16; ++r) {
      const int64_t qi = q0 + r;
      if (qi >= a.Lq) break;
      const float sum = row_sum[r];
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      float* out = a.out + (bh * a.Lq + qi) * a.Dv;
      for (int c = lane; c < a.Dv; c += 32) out[c] = so[r * kLd + c] * inv;
    }
  }
}

}  // namespace

void launch_attention_tf32(const AttnArgs& a, cudaStream_t s) {
  const size_t smem = kSmemFloats * sizeof(float);
  // More than the default 48 KiB of shared memory (set on the current device; cheap to repeat).
  check(cudaFuncSetAttribute(attention_tf32_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)),
        "cudaFuncSetAttribute");
  const int64_t tiles = a.B * a.H * ((a.Lq + kBQ - 1) / kBQ);
  const unsigned int grid = static_cast<unsigned int>(tiles < 2147483647 ? tiles : 2147483647);
  attention_tf32_kernel<<<grid, kThreadsTc, smem, s>>>(a);
  check_launch("attention_tf32");
}

}  // namespace sam3rt::cuda
