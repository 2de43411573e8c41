// The tracker's memory encoder (ref: sam3/model/memory.py SimpleMaskEncoder, SimpleMaskDownSampler,
// CXBlock, SimpleFuser): a frame's mask (already turned into ±10-style logits by the caller) is
// downsampled to the feature grid, added to the projected image features, fused by ConvNeXt
// blocks and projected to the memory width. What a frame leaves behind for later frames to attend to.
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"

namespace sam3rt {

class MemoryEncoder {
 public:
  // prefix: "tracker.maskmem_backbone."
  MemoryEncoder(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // pix_feat: [B, d, g, g] the frame's SAM2-neck level 2 (no no_mem_embed, not memory-conditioned);
  // masks: [B, 1, h, w] scaled mask values (sigmoid or binarised, ·20 − 10), resized to the
  // downsampler's 16g × 16g input with antialiased bilinear unless already that size.
  // → [B, mem_dim, g, g] (before the no-object embedding, which the caller adds).
  Tensor forward(const Tensor& pix_feat, const Tensor& masks) const;

  int input_size() const { return input_size_; }  // 16g (1152 for the released model)

 private:
  struct DownStage {
    Tensor conv_w, conv_b;  // Conv2d k3 s2 p1
    LayerNorm norm;         // LayerNorm2d eps 1e-6
  };
  struct CxBlock {
    Tensor dw_w, dw_b;  // depthwise Conv2d k×k, padding k/2
    LayerNorm norm;     // LayerNorm2d eps 1e-6
    Linear pw1, pw2;
    Tensor gamma;  // [d] layer scale
    int kernel = 7;
  };
  std::vector<DownStage> down_;
  Tensor down_out_w_, down_out_b_;  // Conv2d 1×1 → d
  Tensor pix_proj_w_, pix_proj_b_;  // Conv2d 1×1 d → d
  std::vector<CxBlock> fuser_;
  Tensor out_w_, out_b_;  // Conv2d 1×1 d → mem_dim
  int input_size_ = 0;
};

}  // namespace sam3rt
