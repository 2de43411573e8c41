// SAM 3 fusion encoder (ref: sam3/model/encoder.py TransformerEncoderFusion +
// TransformerEncoderLayer, pre-norm): the image tokens self-attend (PE on queries and keys),
// cross-attend to the prompt (no PE, prompt padding masked) and go through a ReLU FFN. The
// prompt is never updated; there is no final norm.
#pragma once

#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/features.h"
#include "model/multihead-attention.h"

namespace sam3rt {

class FusionEncoder {
 public:
  // Reads "detector.transformer.encoder.layers.N.*".
  FusionEncoder(const Sam3Config& config, const WeightStore& weights);

  // image: [1, HW, d], image_pos: [1, HW, d], prompt: [1, Lp, d], prompt_mask: u8 [1, Lp]
  // → memory [1, HW, d]. Dumps encoder.layers.N [1, HW, d].
  Tensor forward(const Tensor& image, const Tensor& image_pos, const Tensor& prompt, const Tensor& prompt_mask,
                 TensorDump* dump = nullptr) const;

 private:
  struct Layer {
    LayerNorm norm1, norm2, norm3;
    MultiheadAttention self_attn, cross_attn_image;
    FeedForward ffn;
  };
  std::vector<Layer> layers_;
};

}  // namespace sam3rt
