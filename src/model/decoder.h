// SAM 3 DETR decoder (ref: sam3/model/decoder.py TransformerDecoder + TransformerDecoderLayer):
// num_queries learned queries plus a presence token, post-norm layers (self-attention → text
// cross-attention → image cross-attention with the box RPB → FFN), iterative box refinement.
#pragma once

#include <vector>

#include "io/model-file.h"
#include "model/box-rpb.h"
#include "model/detector-layers.h"
#include "model/features.h"
#include "model/multihead-attention.h"

namespace sam3rt {

struct DecoderOutput {
  Tensor hs;              // [1, Q, d] last layer's queries after the shared output norm
  Tensor boxes;           // [1, Q, 4] last layer's refined boxes, normalised cxcywh
  Tensor presence_logit;  // [1, 1] last layer's presence logit (not clamped, like the reference)
};

class Decoder {
 public:
  // Reads "detector.transformer.decoder.*".
  Decoder(const Sam3Config& config, const WeightStore& weights);

  // memory: [1, HW, d] (fusion-encoder output), memory_pos: [1, HW, d], grid h × w;
  // prompt: [1, Lp, d], prompt_mask: u8 [1, Lp].
  // Dumps decoder.layers.N.0 [Q, 1, d] and .1 [1, 1, d] (before the shared output norm).
  DecoderOutput forward(const Tensor& memory, const Tensor& memory_pos, int64_t h, int64_t w, const Tensor& prompt,
                        const Tensor& prompt_mask, TensorDump* dump = nullptr) const;

 private:
  struct Layer {
    MultiheadAttention self_attn, ca_text, cross_attn;
    LayerNorm norm1, norm2, norm3, catext_norm;
    FeedForward ffn;
  };
  Tensor query_sine_embed(const Tensor& boxes) const;  // [Q, 4] → [Q, 2d]

  Sam3Config config_;
  std::vector<Layer> layers_;
  Tensor query_embed_;       // [Q, d]
  Tensor reference_points_;  // [Q, 4]
  Tensor presence_token_;    // [1, d]
  LayerNorm norm_, presence_token_out_norm_;
  Mlp bbox_embed_, ref_point_head_, presence_token_head_;
  BoxRpb rpb_;
};

}  // namespace sam3rt
