// SAM mask decoder of the tracker (ref: sam3/sam/mask_decoder.py MaskDecoder): output tokens
// (object score, IoU, 1 + multimask mask tokens) and the prompt tokens run through the two-way
// transformer against the image embedding; the image side is upscaled ×4 with the high-resolution
// features of the SAM2 neck, and each mask token's hypernetwork MLP turns it into a mask.
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/features.h"
#include "model/two-way-transformer.h"

namespace sam3rt {

struct SamDecoderOutput {
  Tensor all_masks;            // [B, 1+M, 4g, 4g] logits of every mask token
  Tensor all_iou;              // [B, 1+M] predicted IoU (sigmoid) of every mask token
  Tensor masks;                // [B, C, 4g, 4g] the selected masks (C = M with multimask, else 1)
  Tensor iou;                  // [B, C]
  Tensor tokens;               // [B, C', d] the mask tokens for the object pointer (sam_tokens_out)
  Tensor object_score_logits;  // [B, 1]
};

class SamMaskDecoder {
 public:
  // prefix: "tracker.sam_mask_decoder."
  SamMaskDecoder(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // image_embed: [B, d, g, g], image_pe: [1, d, g, g], sparse: [B, T, d], dense: [B, d, g, g],
  // feat_s0: [B, d/8, 4g, 4g], feat_s1: [B, d/4, 2g, 2g] (conv_s0/conv_s1 outputs).
  // multimask: masks 1..M; otherwise mask 0, or — when its stability score is below the
  // threshold — the multimask output with the highest predicted IoU (dynamic multimask).
  SamDecoderOutput forward(const Tensor& image_embed, const Tensor& image_pe, const Tensor& sparse,
                           const Tensor& dense, const Tensor& feat_s0, const Tensor& feat_s1, bool multimask,
                           TensorDump* dump = nullptr) const;

  // The 1×1 projections of the SAM2 neck's two finest levels (applied once per image).
  // level0: [B, d, 4g, 4g] → [B, d/8, 4g, 4g]; level1: [B, d, 2g, 2g] → [B, d/4, 2g, 2g]
  Tensor conv_s0(const Tensor& level0) const;
  Tensor conv_s1(const Tensor& level1) const;

  // ref: MaskDecoder dynamic_multimask_stability_delta / _thresh (build_tracker's values)
  static constexpr float kStabilityDelta = 0.05f;
  static constexpr float kStabilityThresh = 0.98f;

 private:
  int multimask_outputs_ = 3;
  Tensor output_tokens_;  // [2+M, d]: obj_score_token, iou_token, mask_tokens
  TwoWayTransformer transformer_;
  Tensor up0_w_, up0_b_, up1_w_, up1_b_;  // output_upscaling.0 / .3 (ConvTranspose2d k2 s2)
  LayerNorm up_norm_;                     // output_upscaling.1 (LayerNorm2d)
  Tensor s0_w_, s0_b_, s1_w_, s1_b_;
  std::vector<Mlp> hypernetworks_;
  Mlp iou_head_, obj_score_head_;
};

}  // namespace sam3rt
