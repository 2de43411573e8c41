// SAM 3 image model (ref: sam3/model/sam3_image.py Sam3Image): the vision backbone, the text
// encoder and the grounding stages (geometry encoder, fusion encoder, decoder, scoring,
// segmentation head). Immutable after construction; safe to share between sessions.
#pragma once

#include <memory>
#include <vector>

#include "io/model-file.h"
#include "model/features.h"

namespace sam3rt {

class VisionBackbone;
class TextEncoder;
class GroundingHead;
class TrackerHeads;

class Sam3ImageModel {
 public:
  // Builds every component from the loaded weights; throws kFormat naming the first missing or
  // mis-shaped tensor. On a GPU device the weights are copied there (as f32) once, and every
  // forward runs there; inputs may be on the host, outputs are on `device`.
  explicit Sam3ImageModel(std::shared_ptr<const LoadedModel> model, Device device = Device::cpu());
  ~Sam3ImageModel();

  const Sam3Config& config() const { return model_->config; }
  const LoadedModel& loaded() const { return *model_; }
  Device device() const { return device_; }
  // The weights every component reads, on device() (f32 there when not the CPU).
  const WeightStore& weights() const { return device_.is_cpu() ? model_->weights : device_weights_; }

  // pixels: f32 [1, 3, S, S] (normalised, S = config().image_size)
  BackboneFeatures encode_image(const Tensor& pixels, TensorDump* dump = nullptr) const;
  // token_ids: i32 [1, T] (T = config().text_context, padding 0)
  TextFeatures encode_text(const Tensor& token_ids, TensorDump* dump = nullptr) const;
  // Everything after the backbone and the text encoder, for one prompt (text + boxes).
  GroundingOutput ground(const BackboneFeatures& image, const TextFeatures& text,
                         const std::vector<BoxPrompt>& boxes, TensorDump* dump = nullptr) const;

  // The tracker half of the checkpoint (SAM2 neck, SAM prompt encoder and mask decoder): present
  // when the weights hold tracker.* tensors (sam3.pt, a sam3_video folder), absent for a
  // detector-only file.
  bool has_tracker() const { return tracker_ != nullptr; }
  // Throws kUnsupported, saying which files have it, when the model has no tracker weights.
  const TrackerHeads& tracker() const;
  // The tracker's features of an encoded image (SAM2 neck on image.trunk, conv_s0/conv_s1).
  TrackerImageFeatures encode_tracker_image(const BackboneFeatures& image, TensorDump* dump = nullptr) const;

 private:
  std::shared_ptr<const LoadedModel> model_;
  Device device_;
  WeightStore device_weights_;  // the weights on device_ (empty on the CPU: model_->weights are used)
  std::unique_ptr<VisionBackbone> vision_;
  std::unique_ptr<TextEncoder> text_;
  std::unique_ptr<GroundingHead> grounding_;
  std::unique_ptr<TrackerHeads> tracker_;
};

}  // namespace sam3rt
