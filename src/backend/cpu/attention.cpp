// Optimised scaled dot-product attention, flash-style: each task owns a block of queries of one
// (batch, head) and streams over the keys in blocks, keeping a running row maximum, row sum and
// un-normalised output (online softmax). Memory per task is O(block_q·(block_k + Dv)); the full
// Lq×Lk score matrix never exists, so 16 heads × 5184 tokens need a few hundred KiB per thread.
//
// The two products per key block (S = scale·Q·Kᵀ and O += P·V) are small GEMMs issued from
// inside parallel_for bodies, so BLAS is switched to one thread for the duration
// (BlasSingleThreaded): the pool provides the parallelism, BLAS the register-blocked inner
// kernels. q/k/v may be strided views (e.g. heads permuted out of [B, L, H, D]) as long as the
// last dimension is contiguous; they are not copied.
//
// Under `--precision bf16` (as PyTorch's SDPA under bf16 autocast) q, k and v are rounded to bf16
// once, each block's probabilities P are rounded to bf16 before P·V, both products accumulate in
// f32 (gemm_bf16), and the softmax statistics (row maximum, row sum, rescaling) stay f32.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/bf16-gemm.h"
#include "backend/cpu/cpu-kernels.h"
#include "backend/cpu/gemm-util.h"
#include "backend/cpu/vec-math.h"
#include "core/blas.h"
#include "core/dtype.h"
#include "core/numerics.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

// Block sizes: on the device's 16-core Xeon, 256 queries × 512 keys ran global attention (16 ×
// 5184² × 64) at 1.04 TFLOP/s against 0.81 for 128 × 512 (bench_attention; 64 × 512, 128 × 256,
// 128 × 1024 and 256 × 256 were slower); the 512 KiB score tile stays in L2. The query block is
// evened out over the sequence (576 window tokens → 3 blocks of 192, not 256 + 256 + 64).
constexpr int64_t kTargetBlockQ = 256;
constexpr int64_t kBlockK = 512;

int64_t query_block(int64_t Lq) {
  const int64_t blocks = (Lq + kTargetBlockQ - 1) / kTargetBlockQ;
  const int64_t even = (Lq + blocks - 1) / blocks;
  return std::min(kTargetBlockQ, (even + 15) / 16 * 16);
}

// BLAS needs unit stride along the head dimension and a row stride of at least one row
// (an expanded, stride-0 sequence dimension would not qualify): copy only then.
Tensor blas_rows(const Tensor& t) {
  const bool unit = t.stride(-1) == 1 || t.size(-1) == 1;
  const bool rows_ok = t.size(-2) <= 1 || t.stride(-2) >= t.size(-1);
  return unit && rows_ok ? t : t.contiguous();
}

// t [B, H, L, D] (rows of D contiguous) as a contiguous bf16 tensor, converted on the pool.
Tensor rows_to_bf16(const Tensor& t) {
  const int64_t B = t.size(0), H = t.size(1), L = t.size(2), D = t.size(3);
  Tensor out = Tensor::empty({B, H, L, D}, DType::kBF16);
  const float* src = t.data<float>();
  uint16_t* dst = static_cast<uint16_t*>(out.raw_data());
  parallel_for(B * H * L, std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t l = r % L, h = (r / L) % H, b = r / (L * H);
      convert_f32_to_bf16(src + b * t.stride(0) + h * t.stride(1) + l * t.stride(2), dst + r * D, D);
    }
  });
  return out;
}

}  // namespace

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv], key_padding_mask: u8 [B, Lk] (1 = pad),
// bias: [B, H, Lq, Lk] (possibly stride-0 broadcast) → [B, H, Lq, Dv]
Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& mask_in,
                 const Tensor& bias, float scale) {
  const Tensor q = blas_rows(q_in), k = blas_rows(k_in), v = blas_rows(v_in);
  const Tensor mask = mask_in.defined() ? mask_in.contiguous() : Tensor();
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Lk = k.size(2), Dv = v.size(3);
  Tensor y = Tensor::empty({B, H, Lq, Dv});
  if (y.numel() == 0) return y;
  if (Lk == 0) {  // no keys: every row is "fully masked"
    y.fill_(0.f);
    return y;
  }

  const float* qp = q.data<float>();
  const float* kp = k.data<float>();
  const float* vp = v.data<float>();
  const bool bf16 = matmul_precision() == MatmulPrecision::kBf16;
  // bf16 copies of q, k, v (contiguous [B, H, L, D]) when the products run in bf16.
  const Tensor q16 = bf16 ? rows_to_bf16(q) : Tensor(), k16 = bf16 ? rows_to_bf16(k) : Tensor(),
               v16 = bf16 ? rows_to_bf16(v) : Tensor();
  const uint8_t* mp = mask.defined() ? mask.data<uint8_t>() : nullptr;
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  float* yp = y.data<float>();
  // Row strides; a size-1 row dimension may carry any stride, BLAS needs ld ≥ row length.
  const int64_t ldq = Lq > 1 ? q.stride(2) : D, ldk = Lk > 1 ? k.stride(2) : D, ldv = Lk > 1 ? v.stride(2) : Dv;
  const int64_t block_q = query_block(Lq);
  const int64_t n_qblocks = (Lq + block_q - 1) / block_q;
  const int64_t n_kblocks = (Lk + kBlockK - 1) / kBlockK;
  const float neg_inf = -std::numeric_limits<float>::infinity();

  // Key blocks that are entirely padding are skipped.
  std::vector<uint8_t> block_masked(static_cast<size_t>(B * n_kblocks), 0);
  if (mp)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t kb = 0; kb < n_kblocks; ++kb) {
        const int64_t j0 = kb * kBlockK, j1 = std::min(Lk, j0 + kBlockK);
        block_masked[b * n_kblocks + kb] = std::all_of(mp + b * Lk + j0, mp + b * Lk + j1, [](uint8_t m) { return m != 0; });
      }

  BlasSingleThreaded single_threaded_blas;
  parallel_for(B * H * n_qblocks, 1, [&](int64_t t0, int64_t t1) {
    // Per-task scratch from the caching allocator (fresh malloc'd pages would fault every call).
    Tensor scratch = Tensor::empty({block_q * kBlockK + block_q * Dv + 2 * block_q});
    Tensor p16 = bf16 ? Tensor::empty({block_q * kBlockK}, DType::kBF16) : Tensor();
    float* const s = scratch.data<float>();
    float* const acc = s + block_q * kBlockK;
    float* const row_max = acc + block_q * Dv;
    float* const row_sum = row_max + block_q;
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t qb = task % n_qblocks, bh = task / n_qblocks, b = bh / H, h = bh % H;
      const int64_t i0 = qb * block_q, nq = std::min(block_q, Lq - i0);
      const float* qblk = qp + b * q.stride(0) + h * q.stride(1) + i0 * ldq;
      const float* kbh = kp + b * k.stride(0) + h * k.stride(1);
      const float* vbh = vp + b * v.stride(0) + h * v.stride(1);
      std::fill(acc, acc + nq * Dv, 0.f);
      std::fill(row_max, row_max + block_q, neg_inf);
      std::fill(row_sum, row_sum + block_q, 0.f);
      for (int64_t kb = 0; kb < n_kblocks; ++kb) {
        if (block_masked[b * n_kblocks + kb]) continue;
        const int64_t j0 = kb * kBlockK, nk = std::min(kBlockK, Lk - j0);
        // s[i, j] = scale · q_i · k_j   (row stride kBlockK)
        if (bf16)
          gemm_bf16(
              nq, nk, D, scale,
              Bf16Operand{static_cast<const uint16_t*>(q16.raw_data()) + (bh * Lq + i0) * D, true, false, D},
              Bf16Operand{static_cast<const uint16_t*>(k16.raw_data()) + (bh * Lk + j0) * D, true, true, D},
              0.f, s, kBlockK);
        else
          blas_sgemm(false, true, nq, nk, D, scale, qblk, ldq, kbh + j0 * ldk, ldk, 0.f, s, kBlockK);
        for (int64_t i = 0; i < nq; ++i) {
          float* __restrict srow = s + i * kBlockK;
          if (bp) {
            const float* brow = bp + b * bias.stride(0) + h * bias.stride(1) + (i0 + i) * bias.stride(2);
            const int64_t sj = bias.stride(3);
            if (sj == 1) {
              for (int64_t j = 0; j < nk; ++j) srow[j] += brow[j0 + j];
            } else {
              for (int64_t j = 0; j < nk; ++j) srow[j] += brow[(j0 + j) * sj];
            }
          }
          if (mp) {
            const uint8_t* mrow = mp + b * Lk + j0;
            for (int64_t j = 0; j < nk; ++j) srow[j] = mrow[j] ? neg_inf : srow[j];
          }
          // Online softmax update of row i.
          const float m_new = std::max(row_max[i], max_f32(srow, nk));
          if (m_new == neg_inf) {  // nothing visible yet: this block contributes nothing
            std::fill(srow, srow + nk, 0.f);
            continue;
          }
          const float alpha = exp_approx(row_max[i] - m_new);  // 0 when row_max was −∞
          exp_sub_f32(srow, m_new, srow, nk);
          row_sum[i] = row_sum[i] * alpha + sum_f32(srow, nk);
          row_max[i] = m_new;
          if (alpha != 1.f) {
            float* __restrict arow = acc + i * Dv;
            for (int64_t d = 0; d < Dv; ++d) arow[d] *= alpha;
          }
        }
        // acc += P · V_block
        if (bf16) {
          uint16_t* p = static_cast<uint16_t*>(p16.raw_data());
          for (int64_t i = 0; i < nq; ++i) convert_f32_to_bf16(s + i * kBlockK, p + i * nk, nk);
          gemm_bf16(nq, Dv, nk, 1.f, Bf16Operand{p, true, false, nk},
                    Bf16Operand{static_cast<const uint16_t*>(v16.raw_data()) + (bh * Lk + j0) * Dv, true,
                                false, Dv},
                    1.f, acc, Dv);
        } else {
          blas_sgemm(false, false, nq, Dv, nk, 1.f, s, kBlockK, vbh + j0 * ldv, ldv, 1.f, acc, Dv);
        }
      }
      float* out = yp + ((bh * Lq) + i0) * Dv;
      for (int64_t i = 0; i < nq; ++i) {
        // A row that never saw an unmasked key has row_sum 0 → zeros by contract.
        const float inv = row_sum[i] > 0.f ? 1.f / row_sum[i] : 0.f;
        const float* __restrict arow = acc + i * Dv;
        float* __restrict orow = out + i * Dv;
        for (int64_t d = 0; d < Dv; ++d) orow[d] = arow[d] * inv;
      }
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
