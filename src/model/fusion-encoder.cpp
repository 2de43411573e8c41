#include "model/fusion-encoder.h"

#include <string>

#include "ops/ops.h"

namespace sam3rt {

FusionEncoder::FusionEncoder(const Sam3Config& c, const WeightStore& w) {
  const std::string p = std::string(kDetectorPrefix) + "transformer.encoder.layers.";
  const int64_t d = c.d_model;
  for (int i = 0; i < c.encoder_layers; ++i) {
    const std::string l = p + std::to_string(i) + ".";
    Layer layer;
    layer.norm1 = LayerNorm(w, l + "norm1.", d, c.layer_norm_eps);
    layer.norm2 = LayerNorm(w, l + "norm2.", d, c.layer_norm_eps);
    layer.norm3 = LayerNorm(w, l + "norm3.", d, c.layer_norm_eps);
    layer.self_attn = MultiheadAttention(w, l + "self_attn.", c.d_model, c.d_heads);
    layer.cross_attn_image = MultiheadAttention(w, l + "cross_attn_image.", c.d_model, c.d_heads);
    layer.ffn = FeedForward(w, l, d, c.d_ffn);
    layers_.push_back(std::move(layer));
  }
}

// ref: sam3/model/encoder.py TransformerEncoderFusion.forward, TransformerEncoderLayer.forward_pre
// image, image_pos: [1, HW, d]; prompt: [1, Lp, d] → [1, HW, d]
Tensor FusionEncoder::forward(const Tensor& image, const Tensor& image_pos, const Tensor& prompt,
                              const Tensor& prompt_mask, TensorDump* dump) const {
  Tensor x = image.clone();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    Tensor h = layer.norm1(x);
    const Tensor qk = ops::add(h, image_pos);
    ops::add_(x, layer.self_attn.forward(qk, qk, h));
    h = layer.norm2(x);
    ops::add_(x, layer.cross_attn_image.forward(h, prompt, prompt, prompt_mask));
    ops::add_(x, layer.ffn(layer.norm3(x)));
    if (dump) (*dump)["encoder.layers." + std::to_string(i)] = x.clone();
  }
  return x;
}

}  // namespace sam3rt
