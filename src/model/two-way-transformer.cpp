#include "model/two-way-transformer.h"

#include <cmath>

#include "ops/ops.h"

namespace sam3rt {

SamAttention::SamAttention(const WeightStore& w, const std::string& p, int64_t dim, int64_t internal, int64_t kv_in,
                           int heads_)
    : q_proj(w, p + "q_proj.", dim, internal),
      k_proj(w, p + "k_proj.", kv_in, internal),
      v_proj(w, p + "v_proj.", kv_in, internal),
      out_proj(w, p + "out_proj.", internal, dim),
      heads(heads_) {}

// ref: sam3/sam/transformer.py Attention.forward
Tensor SamAttention::operator()(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in) const {
  // [B, L, internal] → [B, heads, L, internal/heads] (_separate_heads)
  auto separate = [this](const Tensor& x) {
    const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
    return x.reshape({b, n, heads, c / heads}).transpose(1, 2);
  };
  const Tensor q = separate(q_proj(q_in)), k = separate(k_proj(k_in)), v = separate(v_proj(v_in));
  const float scale = 1.f / std::sqrt(static_cast<float>(q.size(3)));
  Tensor out = ops::attention(q, k, v, Tensor(), Tensor(), scale);  // [B, heads, Lq, c/heads]
  // _recombine_heads: → [B, Lq, internal]
  const int64_t b = out.size(0), n = out.size(2);
  return out_proj(out.transpose(1, 2).reshape({b, n, out.size(1) * out.size(3)}));
}

TwoWayTransformer::TwoWayTransformer(const Sam3Config& c, const WeightStore& w, const std::string& p) {
  const int64_t d = c.d_model, inner = d / c.sam_attn_downsample;
  const float eps = 1e-5f;  // nn.LayerNorm default
  for (int l = 0; l < c.sam_depth; ++l) {
    const std::string b = p + "layers." + std::to_string(l) + ".";
    blocks_.push_back(Block{SamAttention(w, b + "self_attn.", d, d, d, c.sam_heads),
                            SamAttention(w, b + "cross_attn_token_to_image.", d, inner, d, c.sam_heads),
                            SamAttention(w, b + "cross_attn_image_to_token.", d, inner, d, c.sam_heads),
                            LayerNorm(w, b + "norm1.", d, eps), LayerNorm(w, b + "norm2.", d, eps),
                            LayerNorm(w, b + "norm3.", d, eps), LayerNorm(w, b + "norm4.", d, eps),
                            Linear(w, b + "mlp.lin1.", d, c.sam_mlp_dim), Linear(w, b + "mlp.lin2.", c.sam_mlp_dim, d)});
  }
  final_attn_ = SamAttention(w, p + "final_attn_token_to_image.", d, inner, d, c.sam_heads);
  norm_final_ = LayerNorm(w, p + "norm_final_attn.", d, eps);
}

// ref: sam3/sam/transformer.py TwoWayTransformer.forward, TwoWayAttentionBlock.forward
std::pair<Tensor, Tensor> TwoWayTransformer::forward(const Tensor& image, const Tensor& image_pe,
                                                     const Tensor& tokens, TensorDump* dump) const {
  // image: [B, d, g, g] → keys [B, g·g, d]; image_pe likewise
  const int64_t B = image.size(0), d = image.size(1), hw = image.size(2) * image.size(3);
  Tensor keys = image.reshape({B, d, hw}).permute({0, 2, 1}).contiguous();
  const Tensor key_pe = image_pe.reshape({B, d, hw}).permute({0, 2, 1}).contiguous();
  const Tensor& query_pe = tokens;  // the prompt tokens are their own position encoding
  Tensor queries = tokens;
  for (size_t l = 0; l < blocks_.size(); ++l) {
    const Block& b = blocks_[l];
    if (l == 0) {  // skip_first_layer_pe: no residual, no PE
      queries = b.self_attn(queries, queries, queries);
    } else {
      const Tensor q = ops::add(queries, query_pe);
      queries = ops::add(queries, b.self_attn(q, q, queries));
    }
    queries = b.norm1(queries);
    Tensor q = ops::add(queries, query_pe);
    Tensor k = ops::add(keys, key_pe);
    queries = b.norm2(ops::add(queries, b.cross_token_to_image(q, k, keys)));
    queries = b.norm3(ops::add(queries, b.lin2(ops::relu(b.lin1(queries)))));
    q = ops::add(queries, query_pe);
    k = ops::add(keys, key_pe);
    keys = b.norm4(ops::add(keys, b.cross_image_to_token(k, q, queries)));
    if (dump) {
      (*dump)["mask_decoder.layers." + std::to_string(l) + ".0"] = queries;
      (*dump)["mask_decoder.layers." + std::to_string(l) + ".1"] = keys;
    }
  }
  const Tensor q = ops::add(queries, query_pe), k = ops::add(keys, key_pe);
  queries = norm_final_(ops::add(queries, final_attn_(q, k, keys)));
  if (dump) {
    (*dump)["mask_decoder.transformer.0"] = queries;
    (*dump)["mask_decoder.transformer.1"] = keys;
  }
  return {queries, keys};
}

}  // namespace sam3rt
