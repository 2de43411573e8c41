// SAM 3 geometry (exemplar) encoder (ref: sam3/model/geometry_encoders.py
// SequenceGeometryEncoder): points and boxes become tokens (direct projection + pooled image
// features + sine position encoding + label embedding), the CLS token is always appended, then
// final_proj + norm, geometry_layers pre-norm transformer layers cross-attending to the image,
// and encode_norm.
#pragma once

#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/features.h"
#include "model/multihead-attention.h"

namespace sam3rt {

// A point exemplar, normalised to the image: x, y in [0, 1], and its label. The image processor
// has no point API; the tracker's clicks will use it.
struct PointPrompt {
  float x = 0, y = 0;
  bool positive = true;
};

struct GeometryTokens {
  Tensor tokens;        // [1 + n, 1, d] seq-first: points, boxes, CLS
  Tensor padding_mask;  // u8 [1, 1 + n], 1 = padding (all valid for one image)
};

class GeometryEncoder {
 public:
  // Reads "detector.geometry_encoder.*" and checks shapes.
  GeometryEncoder(const Sam3Config& config, const WeightStore& weights);

  // image: [1, d, g, g] (the coarsest kept neck level), image_pos: its sine PE, same shape.
  // Dumps geometry_encoder.0 [1+n, 1, d] and geometry_encoder.1 [1, 1+n] (f32, 1 = padding).
  GeometryTokens forward(const Tensor& image, const Tensor& image_pos, const std::vector<BoxPrompt>& boxes,
                         const std::vector<PointPrompt>& points, TensorDump* dump = nullptr) const;

 private:
  // ref: sam3/model/encoder.py TransformerEncoderLayer (pre-norm; geometry configuration)
  struct Layer {
    LayerNorm norm1, norm2, norm3;
    MultiheadAttention self_attn, cross_attn_image;
    FeedForward ffn;
  };
  Tensor encode_points(const Tensor& pooled_image, const std::vector<PointPrompt>& points) const;  // → [n, d]
  Tensor encode_boxes(const Tensor& pooled_image, const std::vector<BoxPrompt>& boxes) const;     // → [n, d]

  Sam3Config config_;
  Tensor label_embed_;  // [2, d]
  Tensor cls_embed_;    // [1, d]
  bool has_points_ = false;
  Linear points_direct_project_, points_pool_project_, points_pos_enc_project_;
  Linear boxes_direct_project_, boxes_pos_enc_project_;
  Tensor boxes_pool_weight_, boxes_pool_bias_;  // Conv2d(d, d, roi_size)
  Linear final_proj_;
  LayerNorm norm_, img_pre_norm_, encode_norm_;
  std::vector<Layer> layers_;
};

}  // namespace sam3rt
