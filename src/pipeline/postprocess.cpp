#include "pipeline/postprocess.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/ops.h"

namespace sam3rt::pipeline {

namespace {
// Same arithmetic as torch.sigmoid on f32.
float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }
}  // namespace

// ref: sam3/model/sam3_image_processor.py Sam3Processor._forward_grounding (probs)
std::vector<float> instance_scores(const Tensor& pred_logits, const Tensor& presence_logit) {
  // pred_logits: [1, Q, 1], presence_logit: [1, 1]
  SAM3RT_CHECK(pred_logits.dim() == 3 && pred_logits.size(0) == 1 && pred_logits.size(2) == 1,
               kInvalidArgument, "postprocess: pred_logits must be [1, Q, 1], got ",
               pred_logits.shape().str());
  SAM3RT_CHECK(presence_logit.numel() == 1, kInvalidArgument,
               "postprocess: presence_logit must hold one value, got ", presence_logit.shape().str());
  const float presence = sigmoid(presence_logit.to_vector()[0]);
  std::vector<float> logits = pred_logits.to_vector();
  std::vector<float> scores(logits.size());
  for (size_t q = 0; q < logits.size(); ++q) scores[q] = sigmoid(logits[q]) * presence;
  return scores;
}

Tensor upsample_mask(const Tensor& mask_logits, int width, int height) {
  // mask_logits: [h, w] → resized: [1, 1, height, width] → u8 [height, width]
  SAM3RT_CHECK(mask_logits.dim() == 2, kInvalidArgument, "upsample_mask: expected [h, w] logits, got ",
               mask_logits.shape().str());
  Tensor resized = ops::interpolate_bilinear(mask_logits.unsqueeze(0).unsqueeze(0), height, width);
  const float* src = resized.data<float>();
  Tensor mask = Tensor::empty({height, width}, DType::kU8);
  uint8_t* dst = mask.data<uint8_t>();
  const int64_t n = static_cast<int64_t>(width) * height;
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] > 0.f ? 1 : 0;
  return mask;
}

// ref: sam3/model/sam3_image_processor.py Sam3Processor._forward_grounding (masks_logits)
Tensor mask_probabilities(const Tensor& mask_logits, int width, int height) {
  // mask_logits: [h, w] → [height, width]
  SAM3RT_CHECK(mask_logits.dim() == 2, kInvalidArgument, "mask_probabilities: expected [h, w] logits, got ",
               mask_logits.shape().str());
  return ops::sigmoid(ops::interpolate_bilinear(mask_logits.unsqueeze(0).unsqueeze(0), height, width))
      .reshape({height, width});
}

// ref: sam3/model/sam3_image_processor.py Sam3Processor._forward_grounding (boxes, masks)
Instance decode_query(const GroundingOutput& out, int q, float score, int width, int height) {
  // out.pred_boxes: [1, Q, 4] cxcywh, out.pred_masks: [1, Q, h, w]
  Instance inst;
  inst.query = q;
  inst.score = score;
  Tensor b = out.pred_boxes.select(0, 0).select(0, q);
  const float cx = b.item_at({0}), cy = b.item_at({1}), w = b.item_at({2}), h = b.item_at({3});
  // ref: sam3/model/box_ops.py box_cxcywh_to_xyxy, then × [W, H, W, H]
  const float xyxy[4] = {cx - 0.5f * w, cy - 0.5f * h, cx + 0.5f * w, cy + 0.5f * h};
  const float scale[4] = {static_cast<float>(width), static_cast<float>(height), static_cast<float>(width),
                          static_cast<float>(height)};
  for (int k = 0; k < 4; ++k) inst.box_xyxy[k] = xyxy[k] * scale[k];
  // One query at a time: resizing all kept masks at once would hold Q·H·W floats.
  inst.mask = upsample_mask(out.pred_masks.select(0, 0).select(0, q), width, height);
  return inst;
}

// ref: sam3/model/sam3_image_processor.py Sam3Processor._forward_grounding
Detections postprocess(const GroundingOutput& out, int width, int height, float threshold) {
  // out.pred_logits: [1, Q, 1], out.pred_boxes: [1, Q, 4] cxcywh, out.pred_masks: [1, Q, h, w]
  SAM3RT_CHECK(width > 0 && height > 0, kInvalidArgument, "postprocess: image size ", width, "x", height,
               " is empty");
  SAM3RT_CHECK(std::isfinite(threshold) && threshold >= 0.f && threshold <= 1.f, kInvalidArgument,
               "threshold must be in [0, 1], got ", threshold);
  const std::vector<float> scores = instance_scores(out.pred_logits, out.presence_logit);
  const int64_t q_count = static_cast<int64_t>(scores.size());
  SAM3RT_CHECK(out.pred_boxes.shape() == Shape({1, q_count, 4}), kInvalidArgument,
               "postprocess: pred_boxes must be [1, ", q_count, ", 4], got ", out.pred_boxes.shape().str());
  SAM3RT_CHECK(out.pred_masks.dim() == 4 && out.pred_masks.size(0) == 1 && out.pred_masks.size(1) == q_count,
               kInvalidArgument, "postprocess: pred_masks must be [1, ", q_count, ", h, w], got ",
               out.pred_masks.shape().str());

  Detections det;
  det.presence = sigmoid(out.presence_logit.to_vector()[0]);
  for (int64_t q = 0; q < q_count; ++q)
    if (scores[q] > threshold)
      det.instances.push_back(decode_query(out, static_cast<int>(q), scores[q], width, height));
  std::stable_sort(det.instances.begin(), det.instances.end(),
                   [](const Instance& a, const Instance& b) { return a.score > b.score; });
  return det;
}

}  // namespace sam3rt::pipeline
