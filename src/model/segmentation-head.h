// SAM 3 segmentation head (ref: sam3/model/maskformer_segmentation.py
// UniversalSegmentationHead + PixelDecoder + MaskPredictor): the encoder memory cross-attends to
// the prompt, replaces the coarsest FPN level, the pixel decoder upsamples (nearest) and fuses
// the finer levels, and the mask logits are the dot products of the mask embeddings of the last
// decoder layer's queries with the instance projection of the pixel embedding.
#pragma once

#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/multihead-attention.h"

namespace sam3rt {

struct SegmentationOutput {
  Tensor pred_masks;    // [1, Q, H0, W0] logits at the finest FPN level
  Tensor semantic_seg;  // [1, 1, H0, W0]
};

class SegmentationHead {
 public:
  // Reads "detector.segmentation_head.*". The pixel decoder runs one stage per FPN level above
  // the coarsest; the checkpoint may hold more conv/norm stages than run (released: 3 vs 2).
  SegmentationHead(const Sam3Config& config, const WeightStore& weights);

  // fpn: finest first, the last one is replaced by the memory: [1, d, h_i, w_i];
  // memory: [1, HW, d] (HW = h_last·w_last); hs: [1, Q, d]; prompt: [1, Lp, d], prompt_mask: u8 [1, Lp].
  SegmentationOutput forward(const std::vector<Tensor>& fpn, const Tensor& memory, const Tensor& hs,
                             const Tensor& prompt, const Tensor& prompt_mask) const;

 private:
  Sam3Config config_;
  MultiheadAttention cross_attend_prompt_;
  LayerNorm cross_attn_norm_;
  std::vector<Tensor> conv_w_, conv_b_, norm_w_, norm_b_;  // pixel_decoder.{conv_layers,norms}.N
  Tensor instance_w_, instance_b_;                         // Conv1×1 d → d
  Tensor semantic_w_, semantic_b_;                         // Conv1×1 d → 1
  Mlp mask_embed_;
};

}  // namespace sam3rt
