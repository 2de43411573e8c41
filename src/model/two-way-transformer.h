// The SAM mask decoder's two-way transformer (ref: sam3/sam/transformer.py TwoWayTransformer,
// TwoWayAttentionBlock, Attention): prompt tokens and image tokens attend to each other in turn.
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/features.h"

namespace sam3rt {

// ref: sam3/sam/transformer.py Attention — separate q/k/v projections down to dim/downsample
// channels, split into heads, SDPA with scale 1/√(head dim), recombined, out_proj back to dim.
struct SamAttention {
  Linear q_proj, k_proj, v_proj, out_proj;
  int heads = 1;
  SamAttention() = default;
  SamAttention(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t internal, int64_t kv_in,
               int heads);
  // q: [B, Lq, dim], k: [B, Lk, kv_in], v: [B, Lk, kv_in] → [B, Lq, dim]
  Tensor operator()(const Tensor& q, const Tensor& k, const Tensor& v) const;
};

class TwoWayTransformer {
 public:
  // prefix: "tracker.sam_mask_decoder.transformer."
  TwoWayTransformer(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // image: [B, d, g, g], image_pe: [B, d, g, g], tokens: [B, T, d]
  // → {queries [B, T, d], keys [B, g·g, d]}. Dumps mask_decoder.layers.N.{0,1} and
  // mask_decoder.transformer.{0,1} under `dump` when given.
  std::pair<Tensor, Tensor> forward(const Tensor& image, const Tensor& image_pe, const Tensor& tokens,
                                    TensorDump* dump = nullptr) const;

 private:
  struct Block {
    SamAttention self_attn, cross_token_to_image, cross_image_to_token;
    LayerNorm norm1, norm2, norm3, norm4;
    Linear lin1, lin2;  // MLPBlock with ReLU
  };
  std::vector<Block> blocks_;
  SamAttention final_attn_;
  LayerNorm norm_final_;
};

}  // namespace sam3rt
