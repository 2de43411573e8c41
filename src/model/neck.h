// SimpleFPN neck of SAM 3 (ref: sam3/model/necks.py Sam3DualViTDetNeck): branches at scales
// 4, 2 and 1 of the trunk's g×g map. The reference also builds a ×0.5 branch (max-pool) whose
// output SAM3VLBackbone drops (scalp=1); it is not computed here.
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"

namespace sam3rt {

class SimpleFpnNeck {
 public:
  // prefix: "detector.backbone.vision_backbone."; reads <branch>.{0,1,2}.*, branch "convs" (the
  // detector's neck) or "sam2_convs" (the tracker's: same structure, its own weights).
  SimpleFpnNeck(const Sam3Config& config, const WeightStore& weights, const std::string& prefix,
                const std::string& branch = "convs");

  // x: [1, C, g, g] → [1, d, 4g, 4g], [1, d, 2g, 2g], [1, d, g, g]
  std::vector<Tensor> forward(const Tensor& x) const;

 private:
  struct Conv {
    Tensor w, b;
  };
  // scale 4: convT(C→C/2) → GELU → convT(C/2→C/4) → 1×1 → 3×3
  Conv s4_up0_, s4_up1_, s4_1x1_, s4_3x3_;
  // scale 2: convT(C→C/2) → 1×1 → 3×3
  Conv s2_up_, s2_1x1_, s2_3x3_;
  // scale 1: 1×1 → 3×3
  Conv s1_1x1_, s1_3x3_;
};

}  // namespace sam3rt
