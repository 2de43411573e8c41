#include "model/memory-attention.h"

#include <cmath>

#include "ops/ops.h"

namespace sam3rt {

MemoryAttention::MemoryAttention(const Sam3Config& c, const WeightStore& w, const std::string& p)
    : grid_(c.grid_size()) {
  const int64_t d = c.d_model, mem = c.mem_dim;
  auto attention = [&](const std::string& a, int64_t kv) {
    return RopeAttention{Linear(w, a + "q_proj.", d, d), Linear(w, a + "k_proj.", kv, d),
                         Linear(w, a + "v_proj.", kv, d), Linear(w, a + "out_proj.", d, d)};
  };
  for (int i = 0; i < c.mem_attn_layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    Layer layer;
    layer.self_attn = attention(l + "self_attn.", d);
    layer.cross_attn = attention(l + "cross_attn_image.", mem);
    layer.norm1 = LayerNorm(w, l + "norm1.", d, 1e-5f);
    layer.norm2 = LayerNorm(w, l + "norm2.", d, 1e-5f);
    layer.norm3 = LayerNorm(w, l + "norm3.", d, 1e-5f);
    layer.ffn = FeedForward(w, l, d, c.mem_attn_ffn);
    layers_.push_back(std::move(layer));
  }
  norm_ = LayerNorm(w, p + "norm.", d, 1e-5f);
  rope_ = ops::axial_rope_table(static_cast<int>(d), grid_, grid_, kRopeTheta, 1.f).to(w.device());
}

// ref: sam3/sam/transformer.py RoPEAttention.forward (one head), sam3/sam/rope.py apply_rotary_enc
Tensor MemoryAttention::attend(const RopeAttention& a, const Tensor& q_in, const Tensor& k_in,
                               const Tensor& v_in, int64_t n_exclude, const Tensor& rope) const {
  const int64_t B = q_in.size(0), Lq = q_in.size(1), Lk = k_in.size(1);
  const Tensor q = ops::apply_rope(a.q_proj(q_in).unsqueeze(1), rope);  // [B, 1, Lq, d]
  Tensor k = a.k_proj(k_in);                                            // [B, Lk, d]
  const int64_t d = k.size(2), n_rope = Lk - n_exclude;
  SAM3RT_ASSERT(n_rope % Lq == 0, "memory attention: spatial memory length ", n_rope,
                " is not a multiple of the query grid ", Lq);
  // rope_k_repeat: spatial memory token t is rotated like query token t mod Lq. The frames are
  // put on the head axis so one table serves them all: [B, r, Lq, d].
  Tensor rotated = ops::apply_rope(k.narrow(1, 0, n_rope).reshape({B, n_rope / Lq, Lq, d}), rope);
  rotated = rotated.reshape({B, n_rope, d});
  k = n_exclude > 0 ? ops::concat({rotated, k.narrow(1, n_rope, n_exclude)}, 1) : rotated;
  const Tensor v = a.v_proj(v_in).unsqueeze(1);  // [B, 1, Lk, d]
  const Tensor out = ops::attention(q, k.unsqueeze(1), v, Tensor(), Tensor(),
                                    1.f / std::sqrt(static_cast<float>(d)));  // [B, 1, Lq, d]
  return a.out_proj(out.select(1, 0));
}

// ref: TransformerEncoderCrossAttention.forward (pos_enc_at_input, batch_first) and
// TransformerDecoderLayerv2.forward_pre (self-attention first, keys + pos for cross-attention)
Tensor MemoryAttention::forward(const Tensor& src, const Tensor& src_pos, const Tensor& memory,
                                const Tensor& memory_pos, int64_t num_ptr_tokens) const {
  const int64_t B = src.size(0), d = src.size(1), g = src.size(2), HW = g * src.size(3);
  SAM3RT_ASSERT(g == grid_ && src.size(3) == grid_, "memory attention: features must be ", grid_, "x", grid_);
  const Tensor& rope = rope_;  // [HW, d/2, 2]
  // [B, d, g, g] → [B, HW, d]; X = src + 0.1·pos
  const Tensor tokens = src.reshape({B, d, HW}).transpose(1, 2);
  const Tensor pos = src_pos.reshape({src_pos.size(0), d, HW}).transpose(1, 2);
  Tensor x = ops::add(tokens, ops::mul_scalar(pos, 0.1f));
  const Tensor keys = ops::add(memory, memory_pos);  // [B, L, mem]
  for (const Layer& l : layers_) {
    Tensor t = l.norm1(x);
    x = ops::add(x, attend(l.self_attn, t, t, t, 0, rope));
    t = l.norm2(x);
    x = ops::add(x, attend(l.cross_attn, t, keys, memory, num_ptr_tokens, rope));
    x = ops::add(x, l.ffn(l.norm3(x)));
  }
  return norm_(x).transpose(1, 2).reshape({B, d, g, g});
}

}  // namespace sam3rt
