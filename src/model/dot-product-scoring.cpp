#include "model/dot-product-scoring.h"

#include <cmath>
#include <string>

#include "ops/ops.h"

namespace sam3rt {

namespace {
// ref: DotProductScoring clamp_max_val (a constant of the reference, not a hyperparameter)
constexpr float kLogitClamp = 12.f;
}  // namespace

DotProductScoring::DotProductScoring(const Sam3Config& c, const WeightStore& w) {
  const std::string p = std::string(kDetectorPrefix) + "dot_prod_scoring.";
  const int64_t d = c.d_model;
  mlp0_ = Linear(w, p + "prompt_mlp.layers.0.", d, c.scoring_hidden);
  mlp1_ = Linear(w, p + "prompt_mlp.layers.1.", c.scoring_hidden, d);
  mlp_out_norm_ = LayerNorm(w, p + "prompt_mlp.out_norm.", d, c.layer_norm_eps);
  prompt_proj_ = Linear(w, p + "prompt_proj.", d, d);
  hs_proj_ = Linear(w, p + "hs_proj.", d, d);
  scale_ = 1.f / std::sqrt(static_cast<float>(d));
}

// ref: DotProductScoring.forward (MLP with residual=True and out_norm), mean_pool_text
// hs: [1, Q, d], prompt: [1, Lp, d] → [1, Q, 1]
Tensor DotProductScoring::forward(const Tensor& hs, const Tensor& prompt, const Tensor& prompt_mask) const {
  const Tensor z = mlp_out_norm_(ops::add(prompt, mlp1_(ops::relu(mlp0_(prompt)))));  // [1, Lp, d]
  const Tensor pooled = ops::masked_mean(z, prompt_mask);                              // [1, d]
  const Tensor t = prompt_proj_(pooled).unsqueeze(-1);                                 // [1, d, 1]
  const Tensor s = ops::matmul(hs_proj_(hs), t);                                       // [1, Q, 1]
  return ops::clamp(ops::mul_scalar(s, scale_), -kLogitClamp, kLogitClamp);
}

}  // namespace sam3rt
