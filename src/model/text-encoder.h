// SAM 3 text encoder (ref: sam3/model/text_encoder_ve.py VETextEncoder → TextTransformer):
// token + positional embedding, causal pre-norm residual blocks with exact GELU, ln_final, then
// the resizer Linear(text_width → d_model). All text_context token outputs are kept; the
// checkpoint's text_projection is never used by the image path and is not read.
#pragma once

#include <memory>

#include "io/model-file.h"
#include "model/features.h"

namespace sam3rt {

class TextEncoder {
 public:
  // Reads "detector.backbone.language_backbone.{encoder.*, resizer.*}" and checks their shapes.
  TextEncoder(const Sam3Config& config, const WeightStore& weights);
  ~TextEncoder();

  // token_ids: i32 [1, T] (T = text_context, padding 0) → features [T, 1, d], padding_mask u8 [1, T].
  // Dumps text.language_features [T, 1, d] and text.language_mask [1, T] (f32, 1 = padding).
  TextFeatures forward(const Tensor& token_ids, TensorDump* dump = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sam3rt
