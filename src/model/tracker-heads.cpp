#include "model/tracker-heads.h"

#include "io/weight-specs.h"
#include "model/neck.h"
#include "ops/ops.h"

namespace sam3rt {

TrackerHeads::TrackerHeads(const Sam3Config& c, const WeightStore& w)
    : neck_(std::make_unique<SimpleFpnNeck>(c, w, std::string(kDetectorPrefix) + "backbone.vision_backbone.",
                                            "sam2_convs")),
      no_mem_embed_(w.get(std::string(kTrackerPrefix) + "no_mem_embed", {1, 1, c.d_model})),
      prompt_encoder_(c, w, std::string(kTrackerPrefix) + "sam_prompt_encoder."),
      mask_decoder_(c, w, std::string(kTrackerPrefix) + "sam_mask_decoder."),
      mask_size_(c.low_res_mask_size()) {}

TrackerHeads::~TrackerHeads() = default;

// ref: sam3/model/necks.py Sam3DualViTDetNeck.forward (sam2_convs), Sam3Processor.set_image
// (conv_s0/conv_s1 in place), Sam3Image.predict_inst (+ no_mem_embed on the lowest resolution)
TrackerImageFeatures TrackerHeads::encode_image(const Tensor& trunk, TensorDump* dump) const {
  // trunk: [1, C, g, g] → levels [1, d, 4g, 4g], [1, d, 2g, 2g], [1, d, g, g]
  std::vector<Tensor> levels = neck_->forward(trunk);
  TrackerImageFeatures f;
  f.feat_s0 = mask_decoder_.conv_s0(levels[0]);
  f.feat_s1 = mask_decoder_.conv_s1(levels[1]);
  f.level2 = levels[2];
  const int64_t d = levels[2].size(1);
  f.image_embed = ops::add(levels[2], no_mem_embed_.reshape({1, d, 1, 1}));
  if (dump) {
    for (size_t i = 0; i < levels.size(); ++i) (*dump)["sam2_neck.fpn." + std::to_string(i)] = levels[i];
    (*dump)["tracker.feat_s0"] = f.feat_s0;
    (*dump)["tracker.feat_s1"] = f.feat_s1;
    (*dump)["tracker.image_embed"] = f.image_embed;
  }
  return f;
}

SamDecoderOutput TrackerHeads::predict(const TrackerImageFeatures& image, const std::vector<SamPoint>& points,
                                       const Tensor& mask_input, bool multimask, TensorDump* dump) const {
  // [1, N+1, d]; a mask alone gives no sparse tokens at all (the reference pads only when it
  // embeds points): [1, 0, d]
  const Tensor sparse = points.empty() ? Tensor::empty({1, 0, no_mem_embed_.size(2)}, DType::kF32, no_mem_embed_.device())
                                       : prompt_encoder_.embed_points(points);
  Tensor dense;
  if (mask_input.defined()) {
    SAM3RT_CHECK(mask_input.dim() == 4 && mask_input.size(0) == 1 && mask_input.size(1) == 1 &&
                     mask_input.size(2) == mask_size_ && mask_input.size(3) == mask_size_,
                 kInvalidArgument, "mask input must be [1, 1, ", mask_size_, ", ", mask_size_,
                 "] low-resolution logits (a previous result's low_res_logits), got ", mask_input.shape().str());
    dense = prompt_encoder_.embed_mask(mask_input);
  } else {
    dense = prompt_encoder_.no_mask_dense();
  }
  if (dump) {
    (*dump)["prompt.sparse"] = sparse;
    (*dump)["prompt.dense"] = dense;
    (*dump)["prompt.dense_pe"] = prompt_encoder_.dense_pe();
  }
  return mask_decoder_.forward(image.image_embed, prompt_encoder_.dense_pe(), sparse, dense, image.feat_s0,
                               image.feat_s1, multimask, dump);
}

}  // namespace sam3rt
