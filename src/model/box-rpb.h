// Box relative position bias of the SAM 3 decoder (ref: sam3/model/decoder.py
// TransformerDecoder._get_rpb_matrix, boxRPB="log"): for each query box and each image token, a
// per-head additive bias on the image cross-attention logits.
#pragma once

#include "io/model-file.h"
#include "model/detector-layers.h"

namespace sam3rt {

class BoxRpb {
 public:
  BoxRpb() = default;
  // Reads "<prefix>boxRPB_embed_{x,y}.layers.{0,1}" (MLP 2 → d → heads).
  BoxRpb(const WeightStore& weights, const std::string& prefix, int d_model, int heads);

  // boxes: [Q, 4] normalised cxcywh → bias [1, heads, 1 + Q, H·W]; row 0 (the presence token)
  // is zero. Grid coordinates are i/H and j/W (top-left corners), log-transformed deltas.
  Tensor forward(const Tensor& boxes, int64_t h, int64_t w) const;

 private:
  Mlp embed_x_, embed_y_;
  int heads_ = 0;
};

}  // namespace sam3rt
