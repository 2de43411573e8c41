// SAM 3 vision trunk: a plain ViT with a tiled absolute position embedding, windowed and global
// blocks and 2-D axial RoPE (ref: sam3/model/vitdet.py ViT, Block).
//
// Token order. The residual stream is one contiguous [L, C] buffer (L = g·g) kept in *window
// order* for the whole trunk: tokens of window 0 (row-major inside the window), then window 1,
// ... with windows row-major over the window grid. Windowed attention then reads each window as
// a contiguous slab, so no block ever partitions or un-partitions; global attention is
// permutation-equivariant except for RoPE, whose table is permuted into the same order once at
// load. Only the entry (patch embedding) and the exit (neck input, dumps) reorder tokens.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/features.h"
#include "model/vit-attention.h"

namespace sam3rt {

// ref: sam3/model/vitdet.py Block (pre-norm, no layer scale, exact-GELU MLP)
struct VitBlock {
  Tensor norm1_w, norm1_b;
  VitAttention attn;
  Tensor norm2_w, norm2_b;
  Tensor fc1_w, fc1_b, fc2_w, fc2_b;
  float eps = 1e-5f;

  // x: [L, C] window-ordered residual stream, updated in place.
  void forward(Tensor& x) const;
};

// The RoPE table the reference computes for a window block (positions local to the window, scale 1)
// or a global block (the whole grid, positions scaled by window/grid) → [T, hd/2, 2], row-major.
// ref: sam3/model/vitdet.py Attention._setup_rope_freqs
Tensor vit_rope_table(const Sam3Config& config, bool global);

class VitTrunk {
 public:
  // prefix: "detector.backbone.vision_backbone.trunk."
  VitTrunk(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // pixels: [1, 3, S, S] → the last global block's output as [1, C, g, g] (NCHW, contiguous).
  // Dumps vit.patch_embed, vit.ln_pre and vit.blocks.N as [1, g, g, C].
  Tensor forward(const Tensor& pixels, TensorDump* dump) const;

  int grid() const { return grid_; }
  int dim() const { return dim_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  // RoPE table actually used by block i ([T, hd/2, 2], T = window² or g², in the block's token
  // order: row-major for window blocks, window order for global blocks).
  const Tensor& rope_table(int i) const { return blocks_[i].attn.rope; }

  // Token-order conversions between a row-major map and the window-ordered stream (one copy).
  // x: [g, g, C] (any strides) → [g·g, C] contiguous, window order.
  Tensor to_window_order(const Tensor& x) const;
  // x: [g·g, C] window order → new contiguous [g, g, C], row-major.
  Tensor from_window_order(const Tensor& x) const;

 private:
  Sam3Config config_;
  int grid_ = 0, dim_ = 0, window_ = 0;
  Tensor patch_w_;  // [C, 3, p, p]
  Tensor pos_;      // [L, C] tiled absolute position embedding, window order
  Tensor ln_pre_w_, ln_pre_b_;
  std::vector<VitBlock> blocks_;  // blocks 0 .. the last global block
};

}  // namespace sam3rt
