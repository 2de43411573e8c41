#include "model/neck.h"

#include "ops/ops.h"

namespace sam3rt {

SimpleFpnNeck::SimpleFpnNeck(const Sam3Config& config, const WeightStore& weights, const std::string& prefix,
                             const std::string& branch) {
  const int64_t C = config.vit_dim, d = config.d_model;
  SAM3RT_CHECK(C % 4 == 0, kFormat, "model configuration: vit_dim ", C, " must be a multiple of 4 (neck widths C/2, C/4)");
  auto conv = [&](const std::string& name, const Shape& w_shape) {
    const int64_t out = name.find("dconv") != std::string::npos ? w_shape[1] : w_shape[0];
    const std::string full = prefix + branch + name;
    return Conv{weights.get(full + ".weight", w_shape), weights.get(full + ".bias", {out})};
  };
  // ConvTranspose2d weights are [in, out, kh, kw]; Conv2d weights [out, in, kh, kw].
  s4_up0_ = conv(".0.dconv_2x2_0", {C, C / 2, 2, 2});
  s4_up1_ = conv(".0.dconv_2x2_1", {C / 2, C / 4, 2, 2});
  s4_1x1_ = conv(".0.conv_1x1", {d, C / 4, 1, 1});
  s4_3x3_ = conv(".0.conv_3x3", {d, d, 3, 3});
  s2_up_ = conv(".1.dconv_2x2", {C, C / 2, 2, 2});
  s2_1x1_ = conv(".1.conv_1x1", {d, C / 2, 1, 1});
  s2_3x3_ = conv(".1.conv_3x3", {d, d, 3, 3});
  s1_1x1_ = conv(".2.conv_1x1", {d, C, 1, 1});
  s1_3x3_ = conv(".2.conv_3x3", {d, d, 3, 3});
}

// ref: sam3/model/necks.py Sam3DualViTDetNeck.forward (convs[0..2]; no norm or activation after
// the 1×1/3×3 convs, GELU only between the two transposed convs of the ×4 branch)
std::vector<Tensor> SimpleFpnNeck::forward(const Tensor& x) const {
  // x: [1, C, g, g]
  auto up = [](const Tensor& t, const Conv& c) { return ops::conv_transpose2d(t, c.w, c.b, 2, 2); };
  auto conv1 = [](const Tensor& t, const Conv& c) { return ops::conv2d(t, c.w, c.b, 1, 1, 0, 0); };
  auto conv3 = [](const Tensor& t, const Conv& c) { return ops::conv2d(t, c.w, c.b, 1, 1, 1, 1); };

  std::vector<Tensor> out;
  out.reserve(3);
  // [1, C/2, 2g, 2g] → GELU → [1, C/4, 4g, 4g] → [1, d, 4g, 4g]
  Tensor t = ops::gelu(up(x, s4_up0_));
  out.push_back(conv3(conv1(up(t, s4_up1_), s4_1x1_), s4_3x3_));
  // [1, C/2, 2g, 2g] → [1, d, 2g, 2g]
  out.push_back(conv3(conv1(up(x, s2_up_), s2_1x1_), s2_3x3_));
  // [1, d, g, g]
  out.push_back(conv3(conv1(x, s1_1x1_), s1_3x3_));
  return out;
}

}  // namespace sam3rt
