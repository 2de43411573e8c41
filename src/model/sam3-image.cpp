#include "model/sam3-image.h"

#include "backend/backend.h"
#include "io/weight-specs.h"
#include "model/grounding-head.h"
#include "model/tracker-heads.h"
#include "model/text-encoder.h"
#include "model/vision-backbone.h"

namespace sam3rt {

// ref: sam3/model/sam3_image.py Sam3Image (built by model_builder.build_sam3_image_model)
Sam3ImageModel::Sam3ImageModel(std::shared_ptr<const LoadedModel> model, Device device)
    : model_(std::move(model)), device_(device) {
  SAM3RT_CHECK(model_ != nullptr, kInvalidArgument, "Sam3ImageModel needs a loaded model");
  const Sam3Config& c = model_->config;
  if (!device_.is_cpu())
    for (const auto& [name, t] : model_->weights.all()) device_weights_.set(name, t.to(device_).to(DType::kF32));
  const WeightStore& w = device_.is_cpu() ? model_->weights : device_weights_;
  vision_ = std::make_unique<VisionBackbone>(c, w);
  text_ = std::make_unique<TextEncoder>(c, w);
  grounding_ = std::make_unique<GroundingHead>(c, w);
  if (has_tracker_weights(w)) tracker_ = std::make_unique<TrackerHeads>(c, w);
}

Sam3ImageModel::~Sam3ImageModel() = default;

// pixels: [1, 3, S, S] → fpn/pos levels
BackboneFeatures Sam3ImageModel::encode_image(const Tensor& pixels, TensorDump* dump) const {
  BackboneFeatures f = vision_->forward(pixels.to(device_), dump);
  synchronize(device_);  // so that the caller's stage timings are the device's
  return f;
}

// token_ids: [1, T] → features [T, 1, d], mask [1, T]
TextFeatures Sam3ImageModel::encode_text(const Tensor& token_ids, TensorDump* dump) const {
  TextFeatures f = text_->forward(token_ids, dump);
  synchronize(device_);
  return f;
}

GroundingOutput Sam3ImageModel::ground(const BackboneFeatures& image, const TextFeatures& text,
                                       const std::vector<BoxPrompt>& boxes, TensorDump* dump) const {
  GroundingOutput out = grounding_->forward(image, text, boxes, {}, dump);
  synchronize(device_);
  return out;
}

const TrackerHeads& Sam3ImageModel::tracker() const {
  SAM3RT_CHECK(tracker_ != nullptr, kUnsupported, "the model '", model_->path,
               "' has no tracker weights (tracker.*), which clicks, boxes and masks as object prompts need; "
               "use the full sam3.pt, a Hugging Face sam3_video folder or a .sam3rt converted from one");
  return *tracker_;
}

TrackerImageFeatures Sam3ImageModel::encode_tracker_image(const BackboneFeatures& image, TensorDump* dump) const {
  SAM3RT_CHECK(image.trunk.defined(), kInvalidArgument, "encode_tracker_image: the features hold no trunk output");
  TrackerImageFeatures f = tracker().encode_image(image.trunk, dump);
  synchronize(device_);
  return f;
}

}  // namespace sam3rt
