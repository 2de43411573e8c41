// The tensor-core attention of `--precision bf16` (attention-bf16.cu), called by the CUDA
// attention kernel (attention.cu) when the calling thread computes bf16 products. Host-only header.
#pragma once

#include "core/tensor.h"

namespace sam3rt::cuda {

// Whether flash_attention_bf16 takes these operands: head dims up to 64 (larger ones stay on the
// fp32 kernel), at least one key, and B·H within one grid dimension.
bool flash_bf16_supports(const Tensor& q, const Tensor& k, const Tensor& v);

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv] (f32, stride 1 in the last dimension),
// key_padding_mask: u8 [B, Lk] (1 = pad) or undefined, bias: [B, H, Lq, Lk] view or undefined →
// y (allocated by the caller): contiguous f32 [B, H, Lq, Dv]. Queued on the device's stream.
void flash_attention_bf16(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                          const Tensor& bias, float scale, const Tensor& y);

}  // namespace sam3rt::cuda
