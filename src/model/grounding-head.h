// Everything of SAM 3 image inference after the backbone and the text encoder, for one prompt
// (ref: sam3/model/sam3_image.py Sam3Image.forward_grounding): geometry encoder, prompt
// assembly, fusion encoder, decoder, dot-product scoring and segmentation head.
#pragma once

#include <memory>
#include <vector>

#include "io/model-file.h"
#include "model/features.h"
#include "model/geometry-encoder.h"

namespace sam3rt {

class FusionEncoder;
class Decoder;
class DotProductScoring;
class SegmentationHead;

class GroundingHead {
 public:
  GroundingHead(const Sam3Config& config, const WeightStore& weights);
  ~GroundingHead();

  // image: the backbone's kept levels (finest first); text: the prompt's text features (box-only
  // prompts use the text "visual"); boxes/points: exemplars in the order they were added.
  // Dumps geometry_encoder.*, encoder.layers.N, decoder.layers.N.*, raw.*, segmentation_head.*.
  GroundingOutput forward(const BackboneFeatures& image, const TextFeatures& text, const std::vector<BoxPrompt>& boxes,
                          const std::vector<PointPrompt>& points = {}, TensorDump* dump = nullptr) const;

 private:
  Sam3Config config_;
  std::unique_ptr<GeometryEncoder> geometry_;
  std::unique_ptr<FusionEncoder> encoder_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<DotProductScoring> scoring_;
  std::unique_ptr<SegmentationHead> segmentation_;
};

}  // namespace sam3rt
