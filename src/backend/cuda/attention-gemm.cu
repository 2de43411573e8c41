// Attention for `--precision tf32x3` on large score matrices: S = q·kᵀ and O = P·V as GEMMs
// (gemm(), which under tf32x3 runs float32-accurate tensor-core products, tf32x3.cu) with a
// float32 softmax between them, over blocks of materialised scores. The fused kernel
// (attention.cu) does the same arithmetic on CUDA cores; on SAM 3's ViT (5184 tokens in the
// global layers, 576 per window) the two products dominate and run several times faster on tensor
// cores, while the score block costs one write and two reads of memory.
//
// Per block (one batch entry, `hc` heads, `qc` query rows):
//   1. S[h, i, :] = q[b, h, i]·k[b, h]ᵀ                     (batched GEMM over the heads)
//   2. per row: logit = S·scale + bias, masked keys → −∞, P = exp(logit − max) / Σ exp, in place
//   3. y[b, h, i] = P[h, i]·v[b, h]                          (batched GEMM)
//
// ref: src/backend/cpu/reference/ref-attention.cpp (same logits, masking and zero rows)
#include <algorithm>
#include <cmath>

#include "backend/cuda/attention-gemm.h"
#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/gemm.h"
#include "backend/cuda/row-reduce.cuh"

namespace sam3rt::cuda {

namespace {

// Score matrices below this many entries per (batch, head) stay on the fused kernel.
constexpr int64_t kMinScoresPerHead = int64_t(1) << 16;

struct SoftmaxArgs {
  float* s;  // [rows][Lk], rows = hc·qc; logits in, probabilities out
  int64_t rows, Lk, qc;
  int64_t b, h0, q0;  // the block's batch entry, first head, first query row
  float scale;
  const uint8_t* mask;  // [B, Lk] strides mb, ml, or null
  int64_t mb, ml;
  const float* bias;  // [B, H, Lq, Lk] strides bb, bh, bq, bk, or null
  int64_t bb, bh, bq, bk;
};

// One block per row (grid-stride over rows).
__global__ void scores_softmax_kernel(SoftmaxArgs a) {
  __shared__ float scratch[kRowThreads / 32];
  for (int64_t r = blockIdx.x; r < a.rows; r += gridDim.x) {
    float* const row = a.s + r * a.Lk;
    const int64_t h = a.h0 + r / a.qc, i = a.q0 + r % a.qc;
    const float* const bias = a.bias ? a.bias + a.b * a.bb + h * a.bh + i * a.bq : nullptr;
    const uint8_t* const mask = a.mask ? a.mask + a.b * a.mb : nullptr;
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < a.Lk; j += blockDim.x) {
      float logit = row[j] * a.scale;
      if (bias) logit += bias[j * a.bk];
      if (mask && mask[j * a.ml]) logit = -INFINITY;
      row[j] = logit;
      m = fmaxf(m, logit);
    }
    m = block_reduce(m, MaxOp{}, scratch);
    if (m == -INFINITY) {  // every key masked: zeros by contract (so the row of y is zero)
      for (int64_t j = threadIdx.x; j < a.Lk; j += blockDim.x) row[j] = 0.f;
      continue;
    }
    float sum = 0.f;
    for (int64_t j = threadIdx.x; j < a.Lk; j += blockDim.x) {
      const float e = expf(row[j] - m);
      row[j] = e;
      sum += e;
    }
    sum = block_reduce(sum, SumOp{}, scratch);
    for (int64_t j = threadIdx.x; j < a.Lk; j += blockDim.x) row[j] = row[j] / sum;
    __syncthreads();  // scratch is reused by the next row's reductions
  }
}

// The matrix [rows, cols] at `data` with strides (sr, sc) as a GEMM operand; the caller has made
// the tensor contiguous in its last dimension, so one of the two layouts always fits.
GemmOperand operand(const float* data, int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  GemmOperand o;
  const bool ok = gemm_operand(data, rows, cols, sr, sc, &o);
  SAM3RT_ASSERT(ok, "attention_by_gemm: operand ", rows, "x", cols, " strides ", sr, ",", sc);
  return o;
}

// A [B, H, L, E] operand whose row stride suits cuBLAS (contiguous copy otherwise).
Tensor gemm_ready(const Tensor& t) {
  GemmOperand o;
  const bool last_unit = t.stride(3) == 1 || t.size(3) <= 1;
  if (last_unit &&
      gemm_operand(static_cast<const float*>(t.raw_data()), t.size(2), t.size(3), t.stride(2), 1, &o))
    return t;
  return t.contiguous();
}

}  // namespace

bool attention_gemm_pays(int64_t /*B*/, int64_t /*H*/, int64_t Lq, int64_t Lk) {
  return Lq * Lk >= kMinScoresPerHead;
}

void attention_by_gemm(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& mask,
                       const Tensor& bias, float scale, const Tensor& y, int64_t max_score_floats) {
  const Tensor q = gemm_ready(q_in), k = gemm_ready(k_in), v = gemm_ready(v_in);
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Lk = k.size(2), Dv = v.size(3);
  SAM3RT_ASSERT(y.is_contiguous() && Lk > 0 && Dv > 0, "attention_by_gemm: y ", y.str(), ", Lk ", Lk);
  const int index = device_index(q);
  const cudaStream_t s = stream(index);
  // Block geometry: whole heads while one head's scores fit, else slices of query rows.
  const int64_t per_head = Lq * Lk;
  const int64_t hc =
      per_head <= max_score_floats ? std::clamp<int64_t>(max_score_floats / per_head, 1, H) : 1;
  const int64_t qc = per_head <= max_score_floats ? Lq : std::max<int64_t>(1, max_score_floats / Lk);
  Tensor scores = Tensor::empty({hc * qc * Lk}, DType::kF32, q.device());
  float* const sp = scores.data<float>();
  const float* const qp = q.data<float>();
  const float* const kp = k.data<float>();
  const float* const vp = v.data<float>();
  float* const yp = y.data<float>();

  SoftmaxArgs sa{};
  sa.s = sp;
  sa.Lk = Lk;
  sa.scale = scale;
  if (mask.defined()) {
    sa.mask = static_cast<const uint8_t*>(mask.raw_data());
    sa.mb = mask.stride(0);
    sa.ml = mask.stride(1);
  }
  if (bias.defined()) {
    sa.bias = static_cast<const float*>(bias.raw_data());
    sa.bb = bias.stride(0);
    sa.bh = bias.stride(1);
    sa.bq = bias.stride(2);
    sa.bk = bias.stride(3);
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h0 = 0; h0 < H; h0 += hc) {
      const int64_t heads = std::min(hc, H - h0);
      for (int64_t q0 = 0; q0 < Lq; q0 += qc) {
        const int64_t rows = std::min(qc, Lq - q0);
        // 1. S[h, i, :] = q[b, h, q0 + i]·k[b, h]ᵀ: A = q rows [rows, D], B = kᵀ [D, Lk] (k's rows as
        // columns).
        if (D > 0) {
          const GemmOperand qa =
              operand(qp + b * q.stride(0) + h0 * q.stride(1) + q0 * q.stride(2), rows, D, q.stride(2), 1);
          const GemmOperand kt = operand(kp + b * k.stride(0) + h0 * k.stride(1), D, Lk, 1, k.stride(2));
          gemm(index, rows, Lk, D, qa, q.stride(1), kt, k.stride(1), 0.f, sp, Lk, rows * Lk, heads);
        } else {
          check(cudaMemsetAsync(sp, 0, sizeof(float) * heads * rows * Lk, s), "cudaMemsetAsync(scores)");
        }
        // 2. softmax of each row, in place.
        sa.rows = heads * rows;
        sa.qc = rows;
        sa.b = b;
        sa.h0 = h0;
        sa.q0 = q0;
        scores_softmax_kernel<<<blocks_for(sa.rows, 1), kRowThreads, 0, s>>>(sa);
        check_launch("scores_softmax");
        // 3. y[b, h, q0 + i] = P[h, i]·v[b, h]: A = P [rows, Lk], B = v [Lk, Dv].
        const GemmOperand pa = operand(sp, rows, Lk, Lk, 1);
        const GemmOperand vb = operand(vp + b * v.stride(0) + h0 * v.stride(1), Lk, Dv, v.stride(2), 1);
        gemm(index, rows, Dv, Lk, pa, rows * Lk, vb, v.stride(1), 0.f, yp + ((b * H + h0) * Lq + q0) * Dv, Dv,
             Lq * Dv, heads);
      }
    }
}

}  // namespace sam3rt::cuda
