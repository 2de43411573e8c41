// SAM prompt encoder of the tracker (ref: sam3/sam/prompt_encoder.py PromptEncoder): clicks and box
// corners → sparse tokens through a random-Fourier position encoding plus a learned embedding per
// label; a low-resolution mask → a dense embedding through a small conv stack; and the dense
// position encoding of the image-embedding grid (get_dense_pe).
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"

namespace sam3rt {

// A prompt point in the model's input frame (pixels of the S×S resized image) with its label:
// −1 padding ("not a point"), 0 negative click, 1 positive click, 2 box top-left, 3 box bottom-right.
struct SamPoint {
  float x = 0, y = 0;
  int label = 1;
};

class SamPromptEncoder {
 public:
  // prefix: "tracker.sam_prompt_encoder."
  SamPromptEncoder(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // → f32 [1, N+1, d]: the points with one padding point (0, 0, label −1) appended, as the
  // reference always calls the encoder with boxes=None (boxes come in as labelled corners).
  Tensor embed_points(const std::vector<SamPoint>& points) const;
  // mask: [1, 1, 4g, 4g] low-resolution mask logits → [1, d, g, g]
  Tensor embed_mask(const Tensor& mask) const;
  // No mask: no_mask_embed broadcast → [1, d, g, g]
  Tensor no_mask_dense() const;
  // The position encoding of the g×g image-embedding grid (cell centres) → [1, d, g, g]
  const Tensor& dense_pe() const { return dense_pe_; }

 private:
  // Random-Fourier encoding of (x, y) ∈ [0,1]² (ref: PositionEmbeddingRandom._pe_encoding):
  // writes d floats, [sin(2π·(2c−1)·G), cos(...)].
  void fourier(float x, float y, float* out) const;

  int image_size_ = 0, grid_ = 0, dim_ = 0;
  std::vector<float> gaussian_;          // G: [2, d/2] on the host
  std::vector<float> point_embed_[4];    // point_embeddings[0..3] on the host
  std::vector<float> not_a_point_;       // not_a_point_embed on the host
  Tensor no_mask_embed_;                 // [1, d]
  Tensor dense_pe_;                      // [1, d, g, g] on the weights' device
  Device device_;
  // mask_downscaling: Conv(1→c/4, k2 s2) → LN2d → GELU → Conv(c/4→c, k2 s2) → LN2d → GELU → Conv(c→d, k1)
  Tensor conv0_w_, conv0_b_, conv1_w_, conv1_b_, conv2_w_, conv2_b_;
  LayerNorm norm0_, norm1_;
};

// ref: sam3/sam/common.py LayerNorm2d — per-pixel normalisation over channels (eps 1e-6).
// x: [B, C, H, W] → same
Tensor layer_norm_2d(const Tensor& x, const LayerNorm& norm);

}  // namespace sam3rt
