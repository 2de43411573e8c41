// SAM 3 class logits (ref: sam3/model/model_misc.py DotProductScoring): the prompt goes through a
// residual ReLU MLP + LayerNorm, is mean-pooled over its valid tokens (text, geometry CLS and
// exemplars), projected, and dotted with the projected queries; scaled by 1/√d, clamped ±12.
#pragma once

#include "io/model-file.h"
#include "model/detector-layers.h"

namespace sam3rt {

class DotProductScoring {
 public:
  // Reads "detector.dot_prod_scoring.*".
  DotProductScoring(const Sam3Config& config, const WeightStore& weights);

  // hs: [1, Q, d] (normed decoder output), prompt: [1, Lp, d], prompt_mask: u8 [1, Lp] → [1, Q, 1]
  Tensor forward(const Tensor& hs, const Tensor& prompt, const Tensor& prompt_mask) const;

 private:
  Linear mlp0_, mlp1_;  // prompt_mlp.layers.{0,1}
  LayerNorm mlp_out_norm_;
  Linear prompt_proj_, hs_proj_;
  float scale_ = 1.f;
};

}  // namespace sam3rt
