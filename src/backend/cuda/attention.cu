// Fused scaled dot-product attention (flash-style, fp32 FMA, no tensor cores) and RoPE. Under
// `--precision bf16` attention with head dims up to 64 goes to the tensor-core kernel instead
// (attention-bf16.cu), under `--precision tf32x3` large attention to tensor-core GEMMs
// (attention-gemm.cu).
//
// Attention: one thread block owns a tile of kBQ queries of one (batch, head) and streams over the
// keys in tiles of kBK, keeping a running row maximum, row sum and un-normalised output in
// registers (online softmax); the Lq×Lk score matrix never exists. Per key tile:
//   1. K (transposed, [P][kBK]) and V ([kBK][P]) are staged in shared memory;
//   2. S = q·kᵀ from the Q tile (transposed, [P][kBQ], loaded once) and the K tile: each of the
//      128 threads computes 4 query rows × 8 keys;
//   3. logit = fmaf(S, scale, bias), masked keys and keys past Lk → −∞; the row max is reduced
//      over the 8 threads sharing the rows (warp shuffles), the output rescaled, P = exp(logit − m)
//      written to shared memory;
//   4. O += P·V: each thread accumulates its 4 rows × P/8 output columns.
// Head dims are zero-padded to a bucket P ∈ {16, 32, 64, 128, 256} ≥ max(D, Dv): padded q/k columns add
// 0 to the dot products, padded v columns are never written out. fp32 throughout with expf (not
// __expf) so results stay within ~1e-6 of the f64 reference.
//
// ref: src/backend/cpu/attention.cpp (same online softmax), src/backend/cpu/reference/ref-attention.cpp
#include <cmath>

#include "backend/cuda/attention-bf16.h"
#include "backend/cuda/attention-gemm.h"
#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/gemm.h"
#include "core/numerics.h"

namespace sam3rt::cuda {
namespace {

constexpr int kBQ = 64;              // queries per block
constexpr int kBK = 64;              // keys per shared-memory tile
constexpr int kAttnThreads = 128;    // 16 row groups × 8 column groups
constexpr int kRows = 4;             // query rows per thread
constexpr int kKeys = 8;             // keys per thread in S (two groups of 4: tx·4 + {0..3} and 32 + tx·4 + {0..3})
constexpr int kPStride = kBK + 4;    // row stride of the P tile: float4 rows, conflict-free stores
// 256: the tracker's memory attention is one head of d_model = 256 channels. That bucket's tiles
// take 209 KiB of shared memory (Hopper allows 227 KiB per block; older GPUs refuse it at launch).
constexpr int kMaxHeadDim = 256;

// Geometry of one [B, H, L, E] operand whose last dimension is contiguous (stride 1).
struct HeadView {
  const float* data;
  int64_t sb, sh, sl;  // strides of B, H, L in elements (any, including 0)
  bool vec;            // float4 loads are aligned: E % 4 == 0, 16-byte base, strides multiples of 4
};

struct AttnArgs {
  HeadView q, k, v;
  const uint8_t* mask;  // [B, Lk] with strides mb, ml; nullptr when undefined
  int64_t mb, ml;
  const float* bias;  // [B, H, Lq, Lk] with strides bb, bh, bq, bk (stride-0 broadcast allowed); nullptr when undefined
  int64_t bb, bh, bq, bk;
  float* out;  // contiguous [B, H, Lq, Dv]
  int64_t B, H, Lq, Lk;
  int D, Dv;
  float scale;
};

// The shared-memory layout for bucket P (floats): Q [P][kBQ], K [P][kBK], V [kBK][P], P [kBQ][kPStride].
template <int P>
constexpr size_t attention_smem_bytes() {
  return sizeof(float) * (size_t(P) * kBQ + size_t(P) * kBK + size_t(kBK) * P + size_t(kBQ) * kPStride);
}

// Loads rows [r0, r0 + 64) × columns [0, P) of one (b, h) slice of `t` transposed into dst[P][64]:
// dst[c·64 + r] = t[r0 + r, c], zero past n_rows rows and past E columns. Consecutive threads take
// consecutive rows, so the transposed shared-memory stores never conflict.
template <int P>
__device__ inline void load_transposed(float* __restrict__ dst, const float* __restrict__ base, int64_t sl,
                                       int64_t r0, int64_t n_rows, int E, bool vec) {
  if (vec) {
    for (int item = threadIdx.x; item < 64 * (P / 4); item += kAttnThreads) {
      const int r = item % 64, c4 = (item / 64) * 4;
      float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
      if (r0 + r < n_rows && c4 < E) x = __ldg(reinterpret_cast<const float4*>(base + (r0 + r) * sl + c4));
      dst[(c4 + 0) * 64 + r] = x.x;
      dst[(c4 + 1) * 64 + r] = x.y;
      dst[(c4 + 2) * 64 + r] = x.z;
      dst[(c4 + 3) * 64 + r] = x.w;
    }
  } else {
    for (int item = threadIdx.x; item < 64 * P; item += kAttnThreads) {
      const int r = item % 64, c = item / 64;
      dst[c * 64 + r] = r0 + r < n_rows && c < E ? __ldg(base + (r0 + r) * sl + c) : 0.f;
    }
  }
}

// Loads rows [r0, r0 + 64) × columns [0, P) of one (b, h) slice of `t` row-major into dst[64][P],
// zero past n_rows rows and past E columns (the zeros matter: 0·garbage could be NaN).
template <int P>
__device__ inline void load_rows(float* __restrict__ dst, const float* __restrict__ base, int64_t sl, int64_t r0,
                                 int64_t n_rows, int E, bool vec) {
  if (vec) {
    for (int item = threadIdx.x; item < 64 * (P / 4); item += kAttnThreads) {
      const int c4 = (item % (P / 4)) * 4, r = item / (P / 4);
      float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
      if (r0 + r < n_rows && c4 < E) x = __ldg(reinterpret_cast<const float4*>(base + (r0 + r) * sl + c4));
      *reinterpret_cast<float4*>(dst + r * P + c4) = x;
    }
  } else {
    for (int item = threadIdx.x; item < 64 * P; item += kAttnThreads) {
      const int c = item % P, r = item / P;
      dst[r * P + c] = r0 + r < n_rows && c < E ? __ldg(base + (r0 + r) * sl + c) : 0.f;
    }
  }
}

// Max / sum over the 8 lanes that share a thread's query rows (lanes ty·8 + 0..7 of a warp).
__device__ inline float group_max(float x) {
  for (int off = 4; off > 0; off >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, off));
  return x;
}
__device__ inline float group_sum(float x) {
  for (int off = 4; off > 0; off >>= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  return x;
}

// Thread (ty, tx) = (tid / 8, tid % 8) owns query rows ty·4 + i and, in S, keys key_of(tx, j); in
// O, columns col_of(tx, g, c): groups of VW consecutive columns, 8·VW apart.
__device__ inline int key_of(int tx, int j) { return (j / 4) * 32 + tx * 4 + (j % 4); }

template <int P>
__global__ void __launch_bounds__(kAttnThreads) attention_kernel(AttnArgs a) {
  constexpr int NC = P / 8;             // output columns per thread
  constexpr int VW = NC < 4 ? NC : 4;   // their vector width
  constexpr int G = NC / VW;            // groups of VW columns
  extern __shared__ float4 smem4[];
  float* const qs = reinterpret_cast<float*>(smem4);  // [P][kBQ]
  float* const ks = qs + P * kBQ;                     // [P][kBK]
  float* const vs = ks + P * kBK;                     // [kBK][P]
  float* const ps = vs + kBK * P;                     // [kBQ][kPStride]
  const int tid = threadIdx.x, ty = tid / 8, tx = tid % 8;
  const float neg_inf = -INFINITY;

  const int64_t n_qt = (a.Lq + kBQ - 1) / kBQ, n_tiles = n_qt * a.B * a.H;
  for (int64_t tile = blockIdx.x; tile < n_tiles; tile += gridDim.x) {
    // Tiles of one (b, h) are adjacent in the grid, so their K/V reads share L2.
    const int64_t qt = tile % n_qt, bh = tile / n_qt, b = bh / a.H, h = bh % a.H;
    const int64_t i0 = qt * kBQ;
    const float* const qbase = a.q.data + b * a.q.sb + h * a.q.sh;
    const float* const kbase = a.k.data + b * a.k.sb + h * a.k.sh;
    const float* const vbase = a.v.data + b * a.v.sb + h * a.v.sh;
    const uint8_t* const mrow = a.mask ? a.mask + b * a.mb : nullptr;
    const float* const bbase = a.bias ? a.bias + b * a.bb + h * a.bh : nullptr;

    __syncthreads();  // the previous tile's readers of qs are done
    load_transposed<P>(qs, qbase, a.q.sl, i0, a.Lq, a.D, a.q.vec);

    float o[kRows][NC];
    float m[kRows], l[kRows];  // running max (shared by the 8 lanes), partial row sum (this lane's keys)
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      m[i] = neg_inf;
      l[i] = 0.f;
#pragma unroll
      for (int c = 0; c < NC; ++c) o[i][c] = 0.f;
    }

    for (int64_t j0 = 0; j0 < a.Lk; j0 += kBK) {
      __syncthreads();  // the previous key tile's readers of ks, vs, ps are done
      load_transposed<P>(ks, kbase, a.k.sl, j0, a.Lk, a.D, a.k.vec);
      load_rows<P>(vs, vbase, a.v.sl, j0, a.Lk, a.Dv, a.v.vec);
      __syncthreads();

      // s[i][j] = q_row · k_key over the padded head dim.
      float s[kRows][kKeys];
#pragma unroll
      for (int i = 0; i < kRows; ++i)
#pragma unroll
        for (int j = 0; j < kKeys; ++j) s[i][j] = 0.f;
#pragma unroll 8
      for (int d = 0; d < P; ++d) {
        const float4 qv = *reinterpret_cast<const float4*>(qs + d * kBQ + ty * 4);
        const float4 k0 = *reinterpret_cast<const float4*>(ks + d * kBK + tx * 4);
        const float4 k1 = *reinterpret_cast<const float4*>(ks + d * kBK + 32 + tx * 4);
        const float qr[4] = {qv.x, qv.y, qv.z, qv.w};
        const float kr[8] = {k0.x, k0.y, k0.z, k0.w, k1.x, k1.y, k1.z, k1.w};
#pragma unroll
        for (int i = 0; i < kRows; ++i)
#pragma unroll
          for (int j = 0; j < kKeys; ++j) s[i][j] = fmaf(qr[i], kr[j], s[i][j]);
      }

      // Logits, then the online softmax update of each row.
#pragma unroll
      for (int i = 0; i < kRows; ++i) {
        const int64_t row = i0 + ty * 4 + i;
        float tile_max = neg_inf;
#pragma unroll
        for (int j = 0; j < kKeys; ++j) {
          const int64_t key = j0 + key_of(tx, j);
          float logit = neg_inf;
          if (key < a.Lk && !(mrow && mrow[key * a.ml])) {
            // Same order as the reference: dot·scale, then + bias (one rounding here via fmaf).
            const float bias = bbase && row < a.Lq ? __ldg(bbase + row * a.bq + key * a.bk) : 0.f;
            logit = fmaf(s[i][j], a.scale, bias);
          }
          s[i][j] = logit;
          tile_max = fmaxf(tile_max, logit);
        }
        const float m_new = fmaxf(m[i], group_max(tile_max));
        // While a row has seen no visible key (m_new = −∞) subtract 0 instead: exp(−∞ − 0) = 0
        // for every key and alpha stays harmless (o and l are still 0), where −∞ − (−∞) = NaN.
        const float m_use = m_new == neg_inf ? 0.f : m_new;
        const float alpha = expf(m[i] - m_use);  // 0 while m[i] = −∞
        m[i] = m_new;
        float sum = 0.f;
#pragma unroll
        for (int j = 0; j < kKeys; ++j) {
          s[i][j] = expf(s[i][j] - m_use);
          sum += s[i][j];
        }
        l[i] = l[i] * alpha + sum;
#pragma unroll
        for (int c = 0; c < NC; ++c) o[i][c] *= alpha;
        float* const prow = ps + (ty * 4 + i) * kPStride;
        *reinterpret_cast<float4*>(prow + tx * 4) = make_float4(s[i][0], s[i][1], s[i][2], s[i][3]);
        *reinterpret_cast<float4*>(prow + 32 + tx * 4) = make_float4(s[i][4], s[i][5], s[i][6], s[i][7]);
      }
      __syncthreads();

      // o[i][·] += Σ_key p[row_i, key] · v[key, ·], four keys at a time.
#pragma unroll 2
      for (int kk = 0; kk < kBK; kk += 4) {
        float p[kRows][4];
#pragma unroll
        for (int i = 0; i < kRows; ++i) {
          const float4 pv = *reinterpret_cast<const float4*>(ps + (ty * 4 + i) * kPStride + kk);
          p[i][0] = pv.x;
          p[i][1] = pv.y;
          p[i][2] = pv.z;
          p[i][3] = pv.w;
        }
#pragma unroll
        for (int u = 0; u < 4; ++u) {
          const float* const vrow = vs + (kk + u) * P;
          float vr[NC];
#pragma unroll
          for (int g = 0; g < G; ++g) {
            if constexpr (VW == 4) {
              const float4 x = *reinterpret_cast<const float4*>(vrow + g * 32 + tx * 4);
              vr[g * 4 + 0] = x.x;
              vr[g * 4 + 1] = x.y;
              vr[g * 4 + 2] = x.z;
              vr[g * 4 + 3] = x.w;
            } else {
              const float2 x = *reinterpret_cast<const float2*>(vrow + tx * 2);
              vr[0] = x.x;
              vr[1] = x.y;
            }
          }
#pragma unroll
          for (int i = 0; i < kRows; ++i)
#pragma unroll
            for (int c = 0; c < NC; ++c) o[i][c] = fmaf(p[i][u], vr[c], o[i][c]);
        }
      }
    }

    // Normalise and store. A row that never saw a visible key has l = 0 → zeros by contract.
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      const float total = group_sum(l[i]);
      const int64_t row = i0 + ty * 4 + i;
      if (row >= a.Lq) continue;
      float* const orow = a.out + (bh * a.Lq + row) * a.Dv;
#pragma unroll
      for (int g = 0; g < G; ++g)
#pragma unroll
        for (int c = 0; c < VW; ++c) {
          const int col = g * 8 * VW + tx * VW + c;
          if (col < a.Dv) orow[col] = total > 0.f ? o[i][g * VW + c] / total : 0.f;
        }
    }
  }
}

template <int P>
void launch_attention(const AttnArgs& args, cudaStream_t s) {
  constexpr size_t smem = attention_smem_bytes<P>();
  // Above 48 KiB dynamic shared memory needs an explicit opt-in (per kernel, cheap to repeat).
  check(cudaFuncSetAttribute(attention_kernel<P>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
        "cudaFuncSetAttribute(attention)");
  // Prefer the largest shared-memory carve-out: blocks per SM are bounded by shared memory.
  check(cudaFuncSetAttribute(attention_kernel<P>, cudaFuncAttributePreferredSharedMemoryCarveout,
                             static_cast<int>(cudaSharedmemCarveoutMaxShared)),
        "cudaFuncSetAttribute(attention carve-out)");
  const int64_t tiles = (args.Lq + kBQ - 1) / kBQ * args.B * args.H;
  attention_kernel<P><<<blocks_for(tiles, 1), kAttnThreads, smem, s>>>(args);
  check_launch("attention");
}

// A [B, H, L, E] operand with a contiguous last dimension (copied on the device otherwise).
Tensor unit_last(const Tensor& t) { return t.stride(3) == 1 || t.size(3) <= 1 ? t : t.contiguous(); }

HeadView head_view(const Tensor& t) {
  HeadView v{static_cast<const float*>(t.raw_data()), t.stride(0), t.stride(1), t.stride(2), false};
  // Only dimensions of size > 1 are ever stepped over, so only their strides matter for alignment.
  bool aligned = t.size(3) % 4 == 0 && reinterpret_cast<uintptr_t>(v.data) % 16 == 0;
  for (int d = 0; d < 3; ++d) aligned = aligned && (t.size(d) <= 1 || t.stride(d) % 4 == 0);
  v.vec = aligned;
  return v;
}

}  // namespace

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv], key_padding_mask: u8 [B, Lk] (1 = pad),
// bias: [B, H, Lq, Lk] (possibly stride-0 broadcast) → [B, H, Lq, Dv]
Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale) {
  const int64_t B = q_in.size(0), H = q_in.size(1), Lq = q_in.size(2), D = q_in.size(3);
  const int64_t Lk = k_in.size(2), Dv = v_in.size(3);
  Tensor y = Tensor::empty({B, H, Lq, Dv}, DType::kF32, q_in.device());
  if (y.numel() == 0) return y;
  if (Lk == 0) {  // no keys: every row is "fully masked" → zeros
    fill(y, 0.f);
    return y;
  }
  SAM3RT_CHECK(D <= kMaxHeadDim && Dv <= kMaxHeadDim, kUnsupported, "[attention] the CUDA kernel supports head dims up to ",
               kMaxHeadDim, "; got D = ", D, ", Dv = ", Dv);
  const int index = device_index(q_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor q = unit_last(q_in), k = unit_last(k_in), v = unit_last(v_in);
  if (bf16_products() &&
      flash_bf16_supports(q, k, v)) {  // --precision bf16: tensor cores (attention-bf16.cu)
    flash_attention_bf16(q, k, v, key_padding_mask, bias, scale, y);
    return y;
  }
  if (matmul_precision() == MatmulPrecision::kTf32x3 && attention_gemm_pays(B, H, Lq, Lk)) {
    attention_by_gemm(q, k, v, key_padding_mask, bias, scale, y);  // tensor-core products (attention-gemm.cu)
    return y;
  }

  AttnArgs args{};
  args.q = head_view(q);
  args.k = head_view(k);
  args.v = head_view(v);
  if (key_padding_mask.defined()) {
    args.mask = static_cast<const uint8_t*>(key_padding_mask.raw_data());
    args.mb = key_padding_mask.stride(0);
    args.ml = key_padding_mask.stride(1);
  }
  if (bias.defined()) {
    args.bias = static_cast<const float*>(bias.raw_data());
    args.bb = bias.stride(0);
    args.bh = bias.stride(1);
    args.bq = bias.stride(2);
    args.bk = bias.stride(3);
  }
  args.out = y.data<float>();
  args.B = B;
  args.H = H;
  args.Lq = Lq;
  args.Lk = Lk;
  args.D = static_cast<int>(D);
  args.Dv = static_cast<int>(Dv);
  args.scale = scale;

  const int64_t widest = D > Dv ? D : Dv;
  if (widest <= 16) launch_attention<16>(args, s);
  else if (widest <= 32) launch_attention<32>(args, s);
  else if (widest <= 64) launch_attention<64>(args, s);
  else if (widest <= 128) launch_attention<128>(args, s);
  else launch_attention<256>(args, s);
  return y;
}

// --- RoPE ------------------------------------------------------------------------------------------

namespace {

// One thread per channel pair (2j, 2j+1) of one token of one (b, h).
// Products and differences rounded separately (no FMA contraction) like the host reference.
__global__ void apply_rope_kernel(float* __restrict__ y, const float* __restrict__ x, StridedView xv,
                                  const float* __restrict__ table, int64_t n_pairs) {
  const int64_t H = xv.shape[1], L = xv.shape[2], half = xv.shape[3] / 2;
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < n_pairs; p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = p % half, r = p / half;  // r: row of [B·H·L]
    const int64_t l = r % L, h = (r / L) % H, b = r / (L * H);
    const float* const xr = x + b * xv.stride[0] + h * xv.stride[1] + l * xv.stride[2] + 2 * j * xv.stride[3];
    const float a = xr[0], bb = xr[xv.stride[3]];
    const float c = table[(l * half + j) * 2], s = table[(l * half + j) * 2 + 1];
    *reinterpret_cast<float2*>(y + 2 * p) =
        make_float2(__fsub_rn(__fmul_rn(a, c), __fmul_rn(bb, s)), __fadd_rn(__fmul_rn(a, s), __fmul_rn(bb, c)));
  }
}

}  // namespace

// ref: sam3/model/vitdet.py apply_rotary_enc
// x: [B, H, L, D] (any strides), table: [L, D/2, 2] (cos, sin) → [B, H, L, D]
Tensor apply_rope(const Tensor& x, const Tensor& table_in) {
  Tensor y = Tensor::empty(x.shape(), DType::kF32, x.device());
  const int64_t n_pairs = x.numel() / 2;
  if (n_pairs == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor table = table_in.contiguous();
  // y is contiguous with an even last dimension: pair p sits at y[2p], y[2p + 1].
  apply_rope_kernel<<<blocks_for(n_pairs), kThreads, 0, s>>>(y.data<float>(), static_cast<const float*>(x.raw_data()),
                                                              strided_view(x), table.data<float>(), n_pairs);
  check_launch("apply_rope");
  return y;
}

}  // namespace sam3rt::cuda
