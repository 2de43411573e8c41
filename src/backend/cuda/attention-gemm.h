// Attention as two GEMMs with a softmax between them, for `--precision tf32x3` (attention-gemm.cu).
// Host-only header.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace sam3rt::cuda {

// Score blocks larger than this many floats (512 MiB) are computed in pieces (heads, then rows).
inline constexpr int64_t kAttentionGemmScoreFloats = int64_t(1) << 27;

// Whether attention of these sizes goes through attention_by_gemm under tf32x3: large score
// matrices only; small ones (decoder tokens, text) stay on the fused fp32 kernel (attention.cu),
// whose one launch beats six.
bool attention_gemm_pays(int64_t B, int64_t H, int64_t Lq, int64_t Lk);

// y[b, h] = softmax(q[b, h]·k[b, h]ᵀ·scale + bias[b, h], keys with mask[b] = 1 left out)·v[b, h]
// with q, k, v: [B, H, L, E] (last dimension contiguous), mask u8 [B, Lk] or undefined, bias
// [B, H, Lq, Lk] (any strides, stride 0 broadcasts) or undefined, y contiguous [B, H, Lq, Dv].
// The products go through gemm() (so tf32x3 makes them float32-accurate tensor-core products);
// the softmax is float32 with expf. A row whose keys are all masked gives zeros. Scores live in a
// block of at most `max_score_floats` floats (at least one row of Lk).
void attention_by_gemm(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                       const Tensor& bias, float scale, const Tensor& y,
                       int64_t max_score_floats = kAttentionGemmScoreFloats);

}  // namespace sam3rt::cuda
