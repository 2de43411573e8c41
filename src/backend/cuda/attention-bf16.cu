// Tensor-core flash attention for `--precision bf16` (head dims up to 64): bf16 q, k, v, float32
// scores, softmax statistics and output, as the official code's bf16 autocast runs
// scaled_dot_product_attention (bf16 operands, f32 accumulation and softmax inside the kernel).
//
// Two steps:
//   1. q, k, v (f32, any strides) are rounded to bf16 into padded scratch: Q [BH][Lq'][P],
//      K [BH][Lk'][P] and V transposed, Vt [BH][P][Lk'] (Lq', Lk' rounded up to the tiles, P the
//      head-dim bucket 32 or 64; the padding is zero, so padded columns add 0 to the dot products and
//      padded keys multiply 0);
//   2. one block owns 128 queries of one (batch, head): warps of MT m16 row tiles (launch_flash
//      says how many); a warp keeps its rows' Q fragments, scores S (rows × 64 keys), running
//      max / sum and output O (rows × P) in registers. K and Vt tiles of 64 keys
//      stream through shared memory, double-buffered with cp.async. Per key tile: S = Q·Kᵀ with mma.sync
//      m16n8k16 (bf16 in, f32 accumulate; with two row tiles each K fragment read from shared memory feeds
//      both); logit = S·scale + bias, masked keys and keys past Lk → −∞; online softmax in f32 (quad
//      shuffles); P = exp(logit − m) rounded to bf16 is reused from the S registers as the A operand of O +=
//      P·V (no shared-memory round trip).
//
// ref: src/backend/cuda/attention.cu (the fp32 kernel: same contract, same online softmax),
//      src/backend/cpu/reference/ref-attention.cpp (the oracle)
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>

#include "backend/cuda/attention-bf16.h"
#include "backend/cuda/cuda-common.cuh"

namespace sam3rt::cuda {
namespace {

constexpr int kBQ = 128;  // queries per block (the warps' m16 row tiles)
constexpr int kBK = 64;   // keys per tile
constexpr int kSkew = 8;  // bf16 padding per shared-memory row: the fragment loads hit 32 distinct banks

struct FlashArgs {
  const __nv_bfloat16* q;   // [BH][lq_pad][P]
  const __nv_bfloat16* k;   // [BH][lk_pad][P]
  const __nv_bfloat16* vt;  // [BH][P][lk_pad]
  const uint8_t* mask;      // [B, Lk] with strides mb, ml; nullptr when undefined
  int64_t mb, ml;
  const float* bias;  // [B, H, Lq, Lk] with strides bb, bh, bq, bk; nullptr when undefined
  int64_t bb, bh, bq, bk;
  float* out;  // contiguous [B, H, Lq, Dv]
  int64_t H, Lq, Lk, lq_pad, lk_pad;
  int Dv;
  float scale;
};

// --- step 1: rounding into the padded layouts ---------------------------------------------------

// dst[bh][r][c] = bf16(src[b, h, r, c]) for r < rows, c < cols, zero elsewhere in [rows_pad][P].
__global__ void pad_rows_bf16_kernel(__nv_bfloat16* __restrict__ dst, const float* __restrict__ src,
                                     int64_t sb, int64_t sh, int64_t sl, int64_t H, int64_t rows,
                                     int64_t cols, int64_t rows_pad, int P, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % P, r = (i / P) % rows_pad, bh = i / (P * rows_pad);
    float x = 0.f;
    if (r < rows && c < cols) x = __ldg(src + (bh / H) * sb + (bh % H) * sh + r * sl + c);
    dst[i] = __float2bfloat16_rn(x);
  }
}

// dst[bh][c][r] = bf16(src[b, h, r, c]) ([P][rows_pad], zero-padded) through a 32×32 shared tile so
// that both the reads (along c) and the writes (along r) are coalesced. Grid: (rows_pad/32, P/32, BH).
__global__ void pad_transposed_bf16_kernel(__nv_bfloat16* __restrict__ dst, const float* __restrict__ src,
                                           int64_t sb, int64_t sh, int64_t sl, int64_t H, int64_t rows,
                                           int64_t cols, int64_t rows_pad, int P) {
  __shared__ float tile[32][33];
  const int64_t bh = blockIdx.z, r0 = int64_t(blockIdx.x) * 32, c0 = int64_t(blockIdx.y) * 32;
  const float* const base = src + (bh / H) * sb + (bh % H) * sh;
  for (int j = threadIdx.y; j < 32; j += blockDim.y) {
    const int64_t r = r0 + j, c = c0 + threadIdx.x;
    tile[j][threadIdx.x] = r < rows && c < cols ? __ldg(base + r * sl + c) : 0.f;
  }
  __syncthreads();
  for (int j = threadIdx.y; j < 32; j += blockDim.y) {
    const int64_t c = c0 + j, r = r0 + threadIdx.x;
    dst[(bh * P + c) * rows_pad + r] = __float2bfloat16_rn(tile[threadIdx.x][j]);
  }
}

// --- step 2: the flash kernel -----------------------------------------------------------------------

__device__ inline uint32_t pack_bf16x2(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);  // .x (low half) = lo: the lower column
  return *reinterpret_cast<const uint32_t*>(&v);
}

__device__ inline uint32_t load_u32(const __nv_bfloat16* p) { return *reinterpret_cast<const uint32_t*>(p); }

// d += a·b for one m16n8k16 tile: a 16×16 bf16 (row-major fragments), b 16×8 bf16 (column-major), d f32.
__device__ inline void mma_bf16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
  __trap();  // bf16 mma needs sm_80; the backend refuses --precision bf16 below that
#endif
}

__device__ inline void cp_async_16(void* smem, const void* gmem) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
#else
  *reinterpret_cast<uint4*>(smem) = *reinterpret_cast<const uint4*>(gmem);
#endif
}
__device__ inline void cp_async_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}
template <int N>
__device__ inline void cp_async_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

__device__ inline float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ inline float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

template <int P>
struct FlashSmem {
  __nv_bfloat16 k[2][kBK][P + kSkew];  // key tiles, [key][d]
  __nv_bfloat16 v[2][P][kBK + kSkew];  // value tiles transposed, [d][key]
};

// Queues the copies of key tile `tile` into buffer `buf` (16-byte cp.async chunks) with `threads`
// threads.
template <int P, int kThreadsPerBlock>
__device__ inline void load_kv_tile(FlashSmem<P>& sm, int buf, const __nv_bfloat16* kbase,
                                    const __nv_bfloat16* vtbase, int64_t lk_pad, int64_t j0) {
  constexpr int kChunksK = kBK * P / 8, kChunksV = P * kBK / 8;  // 8 bf16 per chunk
  for (int c = threadIdx.x; c < kChunksK; c += kThreadsPerBlock) {
    const int row = c / (P / 8), col = (c % (P / 8)) * 8;
    cp_async_16(&sm.k[buf][row][col], kbase + (j0 + row) * P + col);
  }
  for (int c = threadIdx.x; c < kChunksV; c += kThreadsPerBlock) {
    const int row = c / (kBK / 8), col = (c % (kBK / 8)) * 8;
    cp_async_16(&sm.v[buf][row][col], vtbase + row * lk_pad + j0 + col);
  }
}

// MT m-tiles (16 query rows each) per warp, kBQ / (16·MT) warps per block: with MT = 2 every K and
// V fragment read from shared memory feeds two mma instead of one.
template <int P, int MT>
__global__ void __launch_bounds__(kBQ * 2 / MT, 2) flash_bf16_kernel(FlashArgs a) {  // 2 blocks per SM
  constexpr int kThreadsPerBlock = kBQ * 2 / MT;  // 32 lanes × kBQ / (16·MT) warps
  constexpr int KS = P / 16;                      // k-steps of Q·Kᵀ over the head dim
  constexpr int NO = P / 8;                       // n-tiles of the output
  constexpr int NS = kBK / 8;                     // n-tiles of S (8 keys each)
  constexpr float kLog2e = 1.4426950408889634f;
  extern __shared__ uint4 smem_raw[];
  FlashSmem<P>& sm = *reinterpret_cast<FlashSmem<P>*>(smem_raw);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int64_t bh = blockIdx.y, b = bh / a.H, h = bh % a.H;
  const int64_t q0 = int64_t(blockIdx.x) * kBQ + warp * 16 * MT;  // this warp's first query row
  const __nv_bfloat16* const kbase = a.k + bh * a.lk_pad * P;
  const __nv_bfloat16* const vtbase = a.vt + bh * P * a.lk_pad;
  const int64_t n_tiles = a.lk_pad / kBK;

  load_kv_tile<P, kThreadsPerBlock>(sm, 0, kbase, vtbase, a.lk_pad, 0);
  cp_async_commit();

  // Per m-tile i: Q fragments of rows q0 + 16i + g and + 8 (the padded scratch has every row).
  uint32_t qa[MT][KS][4];
#pragma unroll
  for (int i = 0; i < MT; ++i) {
    const __nv_bfloat16* const q = a.q + (bh * a.lq_pad + q0 + 16 * i) * P;
#pragma unroll
    for (int kk = 0; kk < KS; ++kk) {
      const int c = kk * 16 + t * 2;
      qa[i][kk][0] = load_u32(q + g * P + c);
      qa[i][kk][1] = load_u32(q + (g + 8) * P + c);
      qa[i][kk][2] = load_u32(q + g * P + c + 8);
      qa[i][kk][3] = load_u32(q + (g + 8) * P + c + 8);
    }
  }
  // The bias rows of m-tile i's rows q0 + 16i + g + 8r (r = 0, 1); null without a bias and past Lq.
  const float* bias_row[MT][2];
#pragma unroll
  for (int i = 0; i < MT; ++i)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int64_t q_row = q0 + 16 * i + g + 8 * r;
      bias_row[i][r] = a.bias && q_row < a.Lq ? a.bias + b * a.bb + h * a.bh + q_row * a.bq : nullptr;
    }
  const uint8_t* const mrow = a.mask ? a.mask + b * a.mb : nullptr;

  float o[MT][NO][4];
  float m[MT][2], l[MT][2];
#pragma unroll
  for (int i = 0; i < MT; ++i) {
#pragma unroll
    for (int n = 0; n < NO; ++n) o[i][n][0] = o[i][n][1] = o[i][n][2] = o[i][n][3] = 0.f;
    m[i][0] = m[i][1] = -INFINITY;
    l[i][0] = l[i][1] = 0.f;
  }

  for (int64_t tile = 0; tile < n_tiles; ++tile) {
    const int buf = int(tile & 1);
    if (tile + 1 < n_tiles) {
      load_kv_tile<P, kThreadsPerBlock>(sm, buf ^ 1, kbase, vtbase, a.lk_pad, (tile + 1) * kBK);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const int j0 = static_cast<int>(tile) * kBK;  // Lk < 2^30 (flash_bf16_supports): int keys

    // S = Q·Kᵀ: s[i][n] holds keys j0 + n·8 + t·2 + {0, 1} of m-tile i's rows g ({0, 1}) and g + 8
    // ({2, 3}).
    float s[MT][NS][4];
#pragma unroll
    for (int n = 0; n < NS; ++n) {
#pragma unroll
      for (int i = 0; i < MT; ++i) s[i][n][0] = s[i][n][1] = s[i][n][2] = s[i][n][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < KS; ++kk) {
        const __nv_bfloat16* const kr = &sm.k[buf][n * 8 + g][kk * 16 + t * 2];
        const uint32_t b0 = load_u32(kr), b1 = load_u32(kr + 8);
#pragma unroll
        for (int i = 0; i < MT; ++i) mma_bf16(s[i][n], qa[i][kk], b0, b1);
      }
    }

    // Logits in the log2 domain (exp(x − m) = exp2(x·log2e − m·log2e)), masked keys → −∞, then the
    // online softmax update of every row.
#pragma unroll
    for (int i = 0; i < MT; ++i) {
      float tmax[2] = {-INFINITY, -INFINITY};
#pragma unroll
      for (int n = 0; n < NS; ++n)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int key = j0 + n * 8 + t * 2 + e;
          const bool visible = key < a.Lk && !(mrow && mrow[key * a.ml]);
#pragma unroll
          for (int r = 0; r < 2; ++r) {
            // Same order as the reference: dot·scale, then + bias.
            const float* const br = bias_row[i][r];
            float& x = s[i][n][2 * r + e];
            x = visible ? fmaf(x, a.scale, br ? __ldg(br + key * a.bk) : 0.f) * kLog2e : -INFINITY;
            tmax[r] = fmaxf(tmax[r], x);
          }
        }
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const float mn = fmaxf(m[i][r], quad_max(tmax[r]));
        // While a row has seen no visible key (max −∞) subtract 0: exp2(−∞) = 0, alpha stays finite.
        const float mu = mn == -INFINITY ? 0.f : mn;
        const float alpha = exp2f(m[i][r] - mu);
        m[i][r] = mn;
        float sum = 0.f;
#pragma unroll
        for (int n = 0; n < NS; ++n) {
          s[i][n][2 * r] = exp2f(s[i][n][2 * r] - mu);
          s[i][n][2 * r + 1] = exp2f(s[i][n][2 * r + 1] - mu);
          sum += s[i][n][2 * r] + s[i][n][2 * r + 1];
        }
        l[i][r] = l[i][r] * alpha + sum;
#pragma unroll
        for (int n = 0; n < NO; ++n) {
          o[i][n][2 * r] *= alpha;
          o[i][n][2 * r + 1] *= alpha;
        }
      }
    }

    // O += P·V: the S accumulators of key groups 2·kk and 2·kk + 1 are the A fragment of k-step kk.
#pragma unroll
    for (int kk = 0; kk < kBK / 16; ++kk) {
      uint32_t pa[MT][4];
#pragma unroll
      for (int i = 0; i < MT; ++i) {
        pa[i][0] = pack_bf16x2(s[i][2 * kk][0], s[i][2 * kk][1]);
        pa[i][1] = pack_bf16x2(s[i][2 * kk][2], s[i][2 * kk][3]);
        pa[i][2] = pack_bf16x2(s[i][2 * kk + 1][0], s[i][2 * kk + 1][1]);
        pa[i][3] = pack_bf16x2(s[i][2 * kk + 1][2], s[i][2 * kk + 1][3]);
      }
#pragma unroll
      for (int n = 0; n < NO; ++n) {
        const __nv_bfloat16* const vr = &sm.v[buf][n * 8 + g][kk * 16 + t * 2];
        const uint32_t b0 = load_u32(vr), b1 = load_u32(vr + 8);
#pragma unroll
        for (int i = 0; i < MT; ++i) mma_bf16(o[i][n], pa[i], b0, b1);
      }
    }
    __syncthreads();  // every warp is done with `buf` before the next iteration's copies refill it
  }

  // Normalise and store. A row that never saw a visible key has l = 0 → zeros by contract.
#pragma unroll
  for (int i = 0; i < MT; ++i)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const float total = quad_sum(l[i][r]);
      const float inv = total > 0.f ? 1.f / total : 0.f;
      const int64_t q_row = q0 + 16 * i + g + 8 * r;
      if (q_row >= a.Lq) continue;
      float* const orow = a.out + (bh * a.Lq + q_row) * a.Dv;
#pragma unroll
      for (int n = 0; n < NO; ++n)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int col = n * 8 + t * 2 + e;
          if (col < a.Dv) orow[col] = o[i][n][2 * r + e] * inv;
        }
    }
}

// One row tile per warp (8 warps of 16 rows, 128 registers). Two (4 warps of 32 rows) need more
// than 255 registers at P = 64, and at P = 32 (255 registers, no spills) the H200 measured the
// grounding stage's attention slower: its decoder cross-attention has only 2 query tiles × 8 heads =
// 16 blocks, so halving the warps per block doubles each block's serial work (bench/NOTES.md).
constexpr int kRowTilesPerWarp = 1;

template <int P>
void launch_flash(const FlashArgs& args, int64_t BH, cudaStream_t s) {
  constexpr int MT = kRowTilesPerWarp;
  constexpr size_t smem = sizeof(FlashSmem<P>);
  check(cudaFuncSetAttribute(flash_bf16_kernel<P, MT>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(smem)),
        "cudaFuncSetAttribute(flash_bf16)");
  const dim3 grid(static_cast<unsigned>(args.lq_pad / kBQ), static_cast<unsigned>(BH));
  flash_bf16_kernel<P, MT><<<grid, kBQ * 2 / MT, smem, s>>>(args);
  check_launch("flash_bf16");
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

}  // namespace

bool flash_bf16_supports(const Tensor& q, const Tensor& k, const Tensor& v) {
  const int64_t widest = std::max(q.size(3), v.size(3));
  const int64_t BH = q.size(0) * q.size(1), tiles = round_up(q.size(2), kBQ) / kBQ;
  return widest <= 64 && BH <= 65535 && tiles <= 65535 && k.size(2) > 0 && k.size(2) < (int64_t(1) << 30);
}

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv] (f32, last dim contiguous), mask u8 [B, Lk],
// bias [B, H, Lq, Lk] (views; either undefined) → y: [B, H, Lq, Dv] contiguous f32 (allocated by the caller)
void flash_attention_bf16(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                          const Tensor& bias, float scale, const Tensor& y) {
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Lk = k.size(2), Dv = v.size(3), BH = B * H;
  const int P = std::max(D, Dv) <= 32 ? 32 : 64;
  const int index = device_index(q);
  const cudaStream_t s = stream(index);
  const int64_t lq_pad = round_up(Lq, kBQ), lk_pad = round_up(Lk, kBK);
  const Device dev = q.device();
  const Tensor qb = Tensor::empty({BH, lq_pad, P}, DType::kBF16, dev);
  const Tensor kb = Tensor::empty({BH, lk_pad, P}, DType::kBF16, dev);
  const Tensor vt = Tensor::empty({BH, P, lk_pad}, DType::kBF16, dev);
  auto* const qp = static_cast<__nv_bfloat16*>(qb.raw_data());
  auto* const kp = static_cast<__nv_bfloat16*>(kb.raw_data());
  auto* const vp = static_cast<__nv_bfloat16*>(vt.raw_data());
  const int64_t nq = BH * lq_pad * P, nk = BH * lk_pad * P;
  pad_rows_bf16_kernel<<<blocks_for(nq), kThreads, 0, s>>>(qp, static_cast<const float*>(q.raw_data()),
                                                           q.stride(0), q.stride(1), q.stride(2), H, Lq, D,
                                                           lq_pad, P, nq);
  check_launch("pad_rows_bf16(q)");
  pad_rows_bf16_kernel<<<blocks_for(nk), kThreads, 0, s>>>(kp, static_cast<const float*>(k.raw_data()),
                                                           k.stride(0), k.stride(1), k.stride(2), H, Lk, D,
                                                           lk_pad, P, nk);
  check_launch("pad_rows_bf16(k)");
  pad_transposed_bf16_kernel<<<dim3(static_cast<unsigned>(lk_pad / 32), static_cast<unsigned>(P / 32),
                                    static_cast<unsigned>(BH)),
                               dim3(32, 8), 0, s>>>(vp, static_cast<const float*>(v.raw_data()), v.stride(0),
                                                    v.stride(1), v.stride(2), H, Lk, Dv, lk_pad, P);
  check_launch("pad_transposed_bf16(v)");

  FlashArgs a{};
  a.q = qp;
  a.k = kp;
  a.vt = vp;
  if (key_padding_mask.defined()) {
    a.mask = static_cast<const uint8_t*>(key_padding_mask.raw_data());
    a.mb = key_padding_mask.stride(0);
    a.ml = key_padding_mask.stride(1);
  }
  if (bias.defined()) {
    a.bias = static_cast<const float*>(bias.raw_data());
    a.bb = bias.stride(0);
    a.bh = bias.stride(1);
    a.bq = bias.stride(2);
    a.bk = bias.stride(3);
  }
  a.out = y.data<float>();
  a.H = H;
  a.Lq = Lq;
  a.Lk = Lk;
  a.lq_pad = lq_pad;
  a.lk_pad = lk_pad;
  a.Dv = static_cast<int>(Dv);
  a.scale = scale;
  if (P == 32)
    launch_flash<32>(a, BH, s);
  else
    launch_flash<64>(a, BH, s);
}

}  // namespace sam3rt::cuda
