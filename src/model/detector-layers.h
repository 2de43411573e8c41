// Small building blocks shared by the detector components: Linear, LayerNorm, the ReLU MLP of
// sam3/model/model_misc.py and the un-normalised sine encodings of coordinates. Weights are
// looked up once at construction (never per forward) and shape-checked.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/model-file.h"
#include "io/weight-specs.h"  // kDetectorPrefix

namespace sam3rt {


// torch.nn.Linear. weight [out, in], bias [out].
struct Linear {
  Tensor weight, bias;
  Linear() = default;
  Linear(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, bool has_bias = true);
  // x: [..., in] → [..., out]
  Tensor operator()(const Tensor& x) const;
};

// torch.nn.LayerNorm over the last dimension.
struct LayerNorm {
  Tensor weight, bias;
  float eps = 1e-5f;
  LayerNorm() = default;
  LayerNorm(const WeightStore& w, const std::string& prefix, int64_t dim, float eps);
  // x: [..., dim] → same
  Tensor operator()(const Tensor& x) const;
};

// ref: sam3/model/model_misc.py MLP — Linear layers with ReLU between them (none after the last).
// Weights under "<prefix>layers.N.".
struct Mlp {
  std::vector<Linear> layers;
  Mlp() = default;
  Mlp(const WeightStore& w, const std::string& prefix, int64_t in, int64_t hidden, int64_t out, int num_layers);
  // x: [..., in] → [..., out]
  Tensor operator()(const Tensor& x) const;
};

// A feed-forward block Linear → ReLU → Linear ("linear1"/"linear2" of the transformer layers).
struct FeedForward {
  Linear linear1, linear2;
  FeedForward() = default;
  FeedForward(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t hidden);
  // x: [..., dim] → [..., dim]
  Tensor operator()(const Tensor& x) const;
};

// ref: sam3/model/position_encoding.py PositionEmbeddingSine._encode_xy and
// model_misc.py gen_sineembed_for_position: for a coordinate u in [0, 1], channel k of `feats`
// is sin(u·2π/τ_k) for even k and cos(u·2π/τ_k) for odd k, τ_k = 10000^(2⌊k/2⌋/feats).
// Computed in float32 like the reference. out must hold `feats` floats.
void sine_encode(float u, int feats, float* out);

// x: [N, 4] normalised cxcywh → [N, 4] xyxy (ref: sam3/model/box_ops.py box_cxcywh_to_xyxy).
Tensor box_cxcywh_to_xyxy(const Tensor& boxes);

// ref: sam3/model/model_misc.py inverse_sigmoid: log(max(x,eps)/max(1−x,eps)), x clamped to [0,1].
Tensor inverse_sigmoid(const Tensor& x, float eps = 1e-3f);

// [L, d] or [1, L, d] views of seq-first [L, 1, d] tensors are the same memory for batch 1; these
// helpers document the intent at call sites.
inline Tensor seq_first(const Tensor& batch_first) { return batch_first.reshape({batch_first.size(1), 1, batch_first.size(2)}); }

}  // namespace sam3rt
