// Turns the raw grounding outputs of one prompt into instances in original-image pixels, as the
// official Sam3Processor does (spec §12.1): score = σ(class logit)·σ(presence logit), keep
// score > threshold (strict), boxes cxcywh → xyxy × [W, H, W, H] (not clipped), masks = bilinear
// (align_corners=False) resize of the mask logits to H×W, then > 0. Unlike the reference the
// instances are sorted by score, descending; `query` keeps the decoder query index.
#pragma once

#include <array>
#include <vector>

#include "core/tensor.h"
#include "model/features.h"

namespace sam3rt::pipeline {

struct Instance {
  int query = 0;                    // decoder query index
  float score = 0;                  // σ(logit)·σ(presence)
  std::array<float, 4> box_xyxy{};  // original-image pixels, continuous edges, unclipped
  Tensor mask;                      // u8 [H, W], 1 = object
};

struct Detections {
  float presence = 0;               // σ(presence logit)
  std::vector<Instance> instances;  // score descending (ties: lower query first)
};

// out: one grounding pass (batch 1); width/height: the original image; threshold in [0, 1].
Detections postprocess(const GroundingOutput& out, int width, int height, float threshold);

// Per-query scores σ(logit)·σ(presence) in query order. logits: [1, Q, 1], presence: [1, 1] → [Q]
std::vector<float> instance_scores(const Tensor& pred_logits, const Tensor& presence_logit);

// Query q of one grounding pass as an instance (box scaled, mask resized), whatever its score.
Instance decode_query(const GroundingOutput& out, int q, float score, int width, int height);

// One query's mask logits [h, w] (any float dtype/layout) → u8 [height, width], 1 where the
// bilinearly resized logit is > 0.
Tensor upsample_mask(const Tensor& mask_logits, int width, int height);

// One query's mask probabilities as the reference's processor keeps them: σ of the bilinearly
// resized logits, f32 [height, width] (upsample_mask thresholds the same resized logits at 0).
Tensor mask_probabilities(const Tensor& mask_logits, int width, int height);

}  // namespace sam3rt::pipeline
