// torch.nn.MultiheadAttention at inference (ref: torch/nn/functional.py
// multi_head_attention_forward): packed in_proj_weight [3d, d] = [W_q; W_k; W_v], in_proj_bias
// [3d], out_proj Linear(d→d); head i uses channels [i·d/h, (i+1)·d/h); logits scaled by
// 1/√(d/h), float mask added after scaling, key_padding_mask 1 = padding (logit −∞).
// Callers pass batch-first tensors; for batch 1 a seq-first [L, 1, d] tensor is the same memory
// as [1, L, d], so reshape, not transpose, converts between the two.
#pragma once

#include <string>

#include "core/tensor.h"
#include "io/model-file.h"

namespace sam3rt {

class MultiheadAttention {
 public:
  MultiheadAttention() = default;
  // Reads "<prefix>in_proj_weight", "<prefix>in_proj_bias", "<prefix>out_proj.{weight,bias}".
  MultiheadAttention(const WeightStore& weights, const std::string& prefix, int dim, int heads);

  // q: [B, Lq, d], k: [B, Lk, d], v: [B, Lk, d] (views allowed)
  // key_padding_mask: u8 [B, Lk] (1 = padding) or undefined
  // bias: f32 broadcastable to [B, heads, Lq, Lk] (added to the scaled logits) or undefined
  // → [B, Lq, d]
  Tensor forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask = Tensor(),
                 const Tensor& bias = Tensor()) const;

  // The two halves of forward, so that a caller can project keys/values once and reuse them.
  // x: [B, L, d] → [B, heads, L, d/heads]
  Tensor project_q(const Tensor& x) const { return split_heads(project(x, 0)); }
  Tensor project_k(const Tensor& x) const { return split_heads(project(x, 1)); }
  Tensor project_v(const Tensor& x) const { return split_heads(project(x, 2)); }
  // q/k/v: [B, heads, L, d/heads] → [B, Lq, d]
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                const Tensor& bias) const;

  int dim() const { return dim_; }
  int heads() const { return heads_; }

 private:
  Tensor project(const Tensor& x, int which) const;  // which: 0 = q, 1 = k, 2 = v → [B, L, d]
  Tensor split_heads(const Tensor& x) const;         // [B, L, d] → [B, heads, L, d/heads] (view)

  int dim_ = 0;
  int heads_ = 0;
  Tensor w_[3], b_[3];  // views into the packed in_proj weight/bias
  Tensor out_w_, out_b_;
};

}  // namespace sam3rt
