// SAM 3 vision backbone: the ViT trunk (ref: sam3/model/vitdet.py ViT) and the SimpleFPN neck
// with sine position encodings (ref: sam3/model/necks.py Sam3DualViTDetNeck,
// sam3/model/position_encoding.py PositionEmbeddingSine), keeping the levels the image path uses.
#pragma once

#include <memory>

#include "io/model-file.h"
#include "model/features.h"

namespace sam3rt {

class VisionBackbone {
 public:
  // Reads weights under "detector.backbone.vision_backbone." and checks their shapes.
  VisionBackbone(const Sam3Config& config, const WeightStore& weights);
  ~VisionBackbone();
  // pixels: f32 [1, 3, S, S] → fpn/pos levels [1, d, 4g, 4g], [1, d, 2g, 2g], [1, d, g, g]
  // (g = S / patch). Dumps vit.patch_embed, vit.ln_pre, vit.blocks.N, backbone.fpn.N, backbone.pos.N.
  BackboneFeatures forward(const Tensor& pixels, TensorDump* dump = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sam3rt
