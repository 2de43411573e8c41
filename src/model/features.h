// Data passed between the SAM 3 components (reference layouts, batch 1).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sam3rt {

// Named intermediates under the fixtures' names ("vit.blocks.3", "encoder.layers.0", ...), in the
// fixtures' layouts. Components add to it only when a dump is requested (pointer not null).
using TensorDump = std::map<std::string, Tensor>;

// Output of the vision backbone + neck for one image.
struct BackboneFeatures {
  Tensor trunk;             // the ViT output [1, C, g, g], which the tracker's SAM2 neck reads too
  std::vector<Tensor> fpn;  // kept neck levels, finest first: [1, d, 4g, 4g], [1, d, 2g, 2g], [1, d, g, g]
  std::vector<Tensor> pos;  // their sine position encodings, same shapes
};

// Output of the text encoder for one prompt.
struct TextFeatures {
  Tensor features;      // [T, 1, d] seq-first ("language_features")
  Tensor padding_mask;  // u8 [1, T], 1 = padding (token id 0)
};

// An exemplar box, normalised to the original image: centre, size, and its label.
struct BoxPrompt {
  float cx = 0, cy = 0, w = 0, h = 0;
  bool positive = true;
};

// Raw outputs of one grounding pass (the reference's `out` dict, last decoder layer).
struct GroundingOutput {
  Tensor pred_logits;      // [1, Q, 1] dot-product class logits (clamped ±12)
  Tensor pred_boxes;       // [1, Q, 4] normalised cxcywh
  Tensor pred_boxes_xyxy;  // [1, Q, 4] normalised xyxy
  Tensor presence_logit;   // [1, 1]
  Tensor pred_masks;       // [1, Q, 4g, 4g] mask logits
  Tensor semantic_seg;     // [1, 1, 4g, 4g]
};

// The tracker's view of one image (ref: sam3/model/sam3_image_processor.py Sam3Processor.set_image
// with an instance predictor, sam3/model/sam3_image.py Sam3Image.predict_inst).
struct TrackerImageFeatures {
  Tensor feat_s0;      // [1, d/8, 4g, 4g] conv_s0 of SAM2-neck level 0
  Tensor feat_s1;      // [1, d/4, 2g, 2g] conv_s1 of SAM2-neck level 1
  Tensor level2;       // [1, d, g, g] SAM2-neck level 2 (what the memory encoder reads)
  Tensor image_embed;  // [1, d, g, g] level2 + no_mem_embed (the interactive predictor's image embedding)
};

}  // namespace sam3rt
