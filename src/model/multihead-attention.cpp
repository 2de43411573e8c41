#include "model/multihead-attention.h"

#include <cmath>

#include "ops/ops.h"

namespace sam3rt {

MultiheadAttention::MultiheadAttention(const WeightStore& weights, const std::string& prefix, int dim, int heads)
    : dim_(dim), heads_(heads) {
  SAM3RT_CHECK(heads > 0 && dim % heads == 0, kFormat, "attention '", prefix, "': width ", dim,
               " is not divisible by the head count ", heads);
  const Tensor& w = weights.get(prefix + "in_proj_weight", {3 * int64_t(dim), dim});
  const Tensor& b = weights.get(prefix + "in_proj_bias", {3 * int64_t(dim)});
  for (int i = 0; i < 3; ++i) {
    w_[i] = w.narrow(0, int64_t(i) * dim, dim);
    b_[i] = b.narrow(0, int64_t(i) * dim, dim);
  }
  out_w_ = weights.get(prefix + "out_proj.weight", {dim, dim});
  out_b_ = weights.get(prefix + "out_proj.bias", {dim});
}

Tensor MultiheadAttention::project(const Tensor& x, int which) const { return ops::linear(x, w_[which], b_[which]); }

Tensor MultiheadAttention::split_heads(const Tensor& x) const {
  const int64_t b = x.size(0), l = x.size(1);
  return x.view({b, l, heads_, dim_ / heads_}).permute({0, 2, 1, 3});
}

// ref: torch/nn/functional.py multi_head_attention_forward (inference path)
Tensor MultiheadAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                                  const Tensor& bias) const {
  const int64_t head_dim = dim_ / heads_;
  const float scale = 1.f / std::sqrt(static_cast<float>(head_dim));
  // o: [B, heads, Lq, hd] → [B, Lq, heads, hd] → [B, Lq, d]
  Tensor o = ops::attention(q, k, v, key_padding_mask, bias, scale);
  const int64_t b = o.size(0), lq = o.size(2);
  o = o.permute({0, 2, 1, 3}).reshape({b, lq, dim_});
  return ops::linear(o, out_w_, out_b_);
}

// q: [B, Lq, d], k/v: [B, Lk, d] → [B, Lq, d]
Tensor MultiheadAttention::forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                                   const Tensor& bias) const {
  SAM3RT_ASSERT(q.dim() == 3 && k.dim() == 3 && v.dim() == 3 && q.size(2) == dim_ && k.size(2) == dim_ &&
                    v.size(2) == dim_,
                "attention inputs must be [B, L, ", dim_, "]: q ", q.shape().str(), " k ", k.shape().str(), " v ",
                v.shape().str());
  return attend(project_q(q), project_k(k), project_v(v), key_padding_mask, bias);
}

}  // namespace sam3rt
