#include "model/grounding-head.h"

#include <cmath>
#include <string>

#include "model/decoder.h"
#include "model/dot-product-scoring.h"
#include "model/fusion-encoder.h"
#include "model/segmentation-head.h"
#include "ops/ops.h"

namespace sam3rt {

GroundingHead::GroundingHead(const Sam3Config& c, const WeightStore& w)
    : config_(c),
      geometry_(std::make_unique<GeometryEncoder>(c, w)),
      encoder_(std::make_unique<FusionEncoder>(c, w)),
      decoder_(std::make_unique<Decoder>(c, w)),
      scoring_(std::make_unique<DotProductScoring>(c, w)),
      segmentation_(std::make_unique<SegmentationHead>(c, w)) {}

GroundingHead::~GroundingHead() = default;

namespace {

void check_prompts(const std::vector<BoxPrompt>& boxes, const std::vector<PointPrompt>& points) {
  for (size_t i = 0; i < boxes.size(); ++i) {
    const BoxPrompt& b = boxes[i];
    SAM3RT_CHECK(std::isfinite(b.cx) && std::isfinite(b.cy) && std::isfinite(b.w) && std::isfinite(b.h),
                 kInvalidArgument, "box prompt ", i, " has a non-finite coordinate (cx ", b.cx, ", cy ", b.cy,
                 ", w ", b.w, ", h ", b.h, "); give finite normalised values");
    SAM3RT_CHECK(b.w >= 0 && b.h >= 0, kInvalidArgument, "box prompt ", i, " has a negative size (w ", b.w, ", h ",
                 b.h, "); give the box as centre and non-negative width/height");
  }
  for (size_t i = 0; i < points.size(); ++i)
    SAM3RT_CHECK(std::isfinite(points[i].x) && std::isfinite(points[i].y), kInvalidArgument, "point prompt ", i,
                 " has a non-finite coordinate; give finite normalised values");
}

}  // namespace

// ref: sam3/model/sam3_image.py Sam3Image.forward_grounding (_encode_prompt, _run_encoder,
// _run_decoder, _update_scores_and_boxes, _run_segmentation_heads)
GroundingOutput GroundingHead::forward(const BackboneFeatures& image, const TextFeatures& text,
                                       const std::vector<BoxPrompt>& boxes, const std::vector<PointPrompt>& points,
                                       TensorDump* dump) const {
  const int64_t d = config_.d_model;
  SAM3RT_CHECK(!image.fpn.empty() && image.fpn.size() == image.pos.size(), kInvalidArgument,
               "grounding needs the backbone's feature levels and their position encodings (got ", image.fpn.size(),
               " and ", image.pos.size(), ")");
  SAM3RT_CHECK(text.features.dim() == 3 && text.features.size(1) == 1 && text.features.size(2) == d,
               kInvalidArgument, "text features must be [T, 1, ", d, "], got ", text.features.shape().str());
  check_prompts(boxes, points);

  // The coarsest kept level (g × g) is the one the detector attends to.
  const Tensor& coarse = image.fpn.back();
  const Tensor& coarse_pos = image.pos.back();
  const int64_t gh = coarse.size(2), gw = coarse.size(3), hw = gh * gw;

  // ref: Sam3Image._encode_prompt — [all text slots incl. padding; geometry tokens], not compacted.
  const GeometryTokens geo = geometry_->forward(coarse, coarse_pos, boxes, points, dump);
  const int64_t t = text.features.size(0), lp = t + geo.tokens.size(0);
  const Tensor prompt = ops::concat({text.features, geo.tokens}, 0).reshape({1, lp, d});  // [1, Lp, d]
  const Tensor prompt_mask =
      ops::concat({text.padding_mask.to(DType::kF32), geo.padding_mask.to(DType::kF32)}, 1).to(DType::kU8);

  // Image tokens and PE, batch-first [1, HW, d]. Everything below depends on the prompt; the
  // prompt-independent parts (this transpose, the PE, the geometry cross-attention K/V and the
  // segmentation head's fine FPN levels) could be cached per image.
  const Tensor img = coarse.reshape({d, hw}).transpose(0, 1).unsqueeze(0);
  const Tensor pos = coarse_pos.reshape({d, hw}).transpose(0, 1).contiguous().unsqueeze(0);

  const Tensor memory = encoder_->forward(img, pos, prompt, prompt_mask, dump);  // [1, HW, d]
  const DecoderOutput dec = decoder_->forward(memory, pos, gh, gw, prompt, prompt_mask, dump);
  const Tensor logits = scoring_->forward(dec.hs, prompt, prompt_mask);  // [1, Q, 1]
  const SegmentationOutput seg = segmentation_->forward(image.fpn, memory, dec.hs, prompt, prompt_mask);

  GroundingOutput out;
  out.pred_logits = logits;
  out.pred_boxes = dec.boxes;
  out.pred_boxes_xyxy = box_cxcywh_to_xyxy(dec.boxes.reshape({config_.num_queries, 4})).reshape(dec.boxes.shape());
  out.presence_logit = dec.presence_logit;
  out.pred_masks = seg.pred_masks;
  out.semantic_seg = seg.semantic_seg;
  if (dump) {
    (*dump)["raw.pred_logits"] = out.pred_logits;
    (*dump)["raw.pred_boxes"] = out.pred_boxes;
    (*dump)["raw.pred_boxes_xyxy"] = out.pred_boxes_xyxy;
    (*dump)["raw.presence_logit_dec"] = out.presence_logit;
    (*dump)["raw.pred_masks"] = out.pred_masks;
    (*dump)["raw.semantic_seg"] = out.semantic_seg;
    (*dump)["segmentation_head.pred_masks"] = out.pred_masks;
    (*dump)["segmentation_head.semantic_seg"] = out.semantic_seg;
  }
  return out;
}

}  // namespace sam3rt
