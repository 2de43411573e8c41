#include "model/decoder.h"

#include <string>

#include "core/context.h"
#include "ops/ops.h"

namespace sam3rt {

Decoder::Decoder(const Sam3Config& c, const WeightStore& w) : config_(c) {
  const std::string p = std::string(kDetectorPrefix) + "transformer.decoder.";
  const int64_t d = c.d_model;
  const float eps = c.layer_norm_eps;
  for (int i = 0; i < c.decoder_layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    Layer layer;
    layer.self_attn = MultiheadAttention(w, l + "self_attn.", c.d_model, c.d_heads);
    layer.ca_text = MultiheadAttention(w, l + "ca_text.", c.d_model, c.d_heads);
    layer.cross_attn = MultiheadAttention(w, l + "cross_attn.", c.d_model, c.d_heads);
    layer.norm1 = LayerNorm(w, l + "norm1.", d, eps);
    layer.norm2 = LayerNorm(w, l + "norm2.", d, eps);
    layer.norm3 = LayerNorm(w, l + "norm3.", d, eps);
    layer.catext_norm = LayerNorm(w, l + "catext_norm.", d, eps);
    layer.ffn = FeedForward(w, l, d, c.d_ffn);
    layers_.push_back(std::move(layer));
  }
  query_embed_ = w.get(p + "query_embed.weight", {c.num_queries, d});
  reference_points_ = w.get(p + "reference_points.weight", {c.num_queries, 4});
  presence_token_ = w.get(p + "presence_token.weight", {1, d});
  norm_ = LayerNorm(w, p + "norm.", d, eps);
  presence_token_out_norm_ = LayerNorm(w, p + "presence_token_out_norm.", d, eps);
  bbox_embed_ = Mlp(w, p + "bbox_embed.", d, d, 4, 3);
  ref_point_head_ = Mlp(w, p + "ref_point_head.", 2 * d, d, d, 2);
  presence_token_head_ = Mlp(w, p + "presence_token_head.", d, d, 1, 3);
  rpb_ = BoxRpb(w, p, c.d_model, c.d_heads);
}

// ref: sam3/model/model_misc.py gen_sineembed_for_position (4 coordinates): channel order
// [cy | cx | w | h], d/2 channels each. boxes: [Q, 4] → [Q, 2d]
Tensor Decoder::query_sine_embed(const Tensor& boxes) const {
  const int64_t q = boxes.size(0);
  const int half = config_.d_model / 2;
  const Tensor b = boxes.to(Device::cpu()).contiguous();  // Q boxes: encoded on the host
  const float* s = b.data<float>();
  Tensor out = Tensor::empty({q, int64_t(4) * half});
  float* o = out.data<float>();
  for (int64_t k = 0; k < q; ++k) {
    const float* bk = s + 4 * k;
    float* ok = o + k * 4 * half;
    sine_encode(bk[1], half, ok);             // cy
    sine_encode(bk[0], half, ok + half);      // cx
    sine_encode(bk[2], half, ok + 2 * half);  // w
    sine_encode(bk[3], half, ok + 3 * half);  // h
  }
  return out.to(boxes.device());
}

// ref: sam3/model/decoder.py TransformerDecoder.forward (eval: no DAC), TransformerDecoderLayer.forward
// memory, memory_pos: [1, HW, d]; prompt: [1, Lp, d] → hs [1, Q, d], boxes [1, Q, 4], presence [1, 1]
DecoderOutput Decoder::forward(const Tensor& memory, const Tensor& memory_pos, int64_t h, int64_t w,
                               const Tensor& prompt, const Tensor& prompt_mask, TensorDump* dump) const {
  const int64_t d = config_.d_model, nq = config_.num_queries;
  SAM3RT_ASSERT(memory.dim() == 3 && memory.size(1) == h * w && memory.size(2) == d, "decoder memory ",
                memory.shape().str());

  // Image keys carry the PE, values do not; both are shared by all layers.
  const Tensor mem_k = ops::add(memory, memory_pos);  // [1, HW, d]
  // ref_0 = sigmoid(reference_points): [Q, 4] cxcywh
  Tensor ref = ops::sigmoid(reference_points_);
  Tensor tgt = query_embed_;       // [Q, d]
  Tensor presence = presence_token_;  // [1, d]
  const Tensor zero_pos = Tensor::zeros({1, d}, DType::kF32, memory.device());

  DecoderOutput out;
  for (size_t li = 0; li < layers_.size(); ++li) {
    const Layer& layer = layers_[li];
    // Query PE from the current reference boxes; the presence token gets a zero PE.
    const Tensor qpos = ref_point_head_(query_sine_embed(ref));                 // [Q, d]
    const Tensor full_pos = ops::concat({zero_pos, qpos}, 0).reshape({1, 1 + nq, d});  // [1, 1+Q, d]
    const Tensor bias = rpb_.forward(ref, h, w);                                 // [1, heads, 1+Q, HW]

    // x: [1, 1+Q, d] = [presence; queries]
    Tensor x = ops::concat({presence, tgt}, 0).reshape({1, 1 + nq, d});
    // self-attention, then norm2 (post-norm)
    Tensor qk = ops::add(x, full_pos);
    x = layer.norm2(ops::add(x, layer.self_attn.forward(qk, qk, x)));
    // text cross-attention, then catext_norm
    x = layer.catext_norm(ops::add(x, layer.ca_text.forward(ops::add(x, full_pos), prompt, prompt, prompt_mask)));
    // image cross-attention with the box RPB, then norm1
    x = layer.norm1(ops::add(x, layer.cross_attn.forward(ops::add(x, full_pos), mem_k, memory, Tensor(), bias)));
    // FFN, then norm3 (the reference runs it with autocast off: f32)
    Tensor ffn_out;
    {
      const ScopedAutocastOff f32_island;  // ref: sam3/model/decoder.py TransformerDecoderLayer.forward_ffn
      ffn_out = layer.ffn(x);
    }
    x = layer.norm3(ops::add(x, ffn_out));

    const Tensor x2 = x.reshape({1 + nq, d});
    presence = x2.narrow(0, 0, 1);
    tgt = x2.narrow(0, 1, nq);
    if (dump) {
      const std::string key = "decoder.layers." + std::to_string(li);
      (*dump)[key + ".0"] = tgt.reshape({nq, 1, d});
      (*dump)[key + ".1"] = presence.reshape({1, 1, d});
    }

    // Box refinement: ref_{l+1} = sigmoid(bbox_embed(norm(tgt)) + inverse_sigmoid(ref_l)).
    const Tensor hs = norm_(tgt);  // [Q, d]
    ref = ops::sigmoid(ops::add(bbox_embed_(hs), inverse_sigmoid(ref)));

    if (li + 1 == layers_.size()) {
      out.hs = hs.reshape({1, nq, d});
      out.boxes = ref.reshape({1, nq, 4});
      // The reference calls .clamp(−10, 10) without using the result: no clamp.
      out.presence_logit = presence_token_head_(presence_token_out_norm_(presence)).reshape({1, 1});
    }
  }
  return out;
}

}  // namespace sam3rt
