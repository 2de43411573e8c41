// SpecBuilder: the helpers that write WeightSpec tables in the official modules' terms
// (nn.Linear, nn.LayerNorm, nn.MultiheadAttention, nn.Conv2d, nn.ConvTranspose2d).
#pragma once

#include <string>
#include <vector>

#include "io/weight-specs.h"

namespace sam3rt {

class SpecBuilder {
 public:
  std::vector<WeightSpec> specs;

  void add(const std::string& name, Shape shape, int64_t fan_in = 0, bool required = true,
           WeightRole role = WeightRole::kParameter) {
    specs.push_back({name, shape, required, role, fan_in});
  }
  // nn.Linear(in, out): weight [out, in], bias [out].
  void linear(const std::string& p, int64_t in, int64_t out, bool required = true) {
    add(p + ".weight", {out, in}, in, required);
    add(p + ".bias", {out}, in, required);
  }
  void layer_norm(const std::string& p, int64_t d) {
    add(p + ".weight", {d}, 0, true, WeightRole::kNormWeight);
    add(p + ".bias", {d});
  }
  // nn.MultiheadAttention(d): packed q/k/v projection plus out_proj.
  void mha(const std::string& p, int64_t d) {
    add(p + ".in_proj_weight", {3 * d, d}, d);
    add(p + ".in_proj_bias", {3 * d}, d);
    linear(p + ".out_proj", d, d);
  }
  void conv(const std::string& p, int64_t in, int64_t out, int64_t k) {
    add(p + ".weight", {out, in, k, k}, in * k * k);
    add(p + ".bias", {out}, in * k * k);
  }
  // groups = in: depthwise, weight [out, 1, k, k].
  void depthwise_conv(const std::string& p, int64_t channels, int64_t k) {
    add(p + ".weight", {channels, 1, k, k}, k * k);
    add(p + ".bias", {channels}, k * k);
  }
  // ref: sam3/model/necks.py Sam3DualViTDetNeck: one SimpleFPN branch (`convs` or `sam2_convs`)
  // at scales 4, 2, 1, 0.5 from a C-channel trunk map to d channels, under "<p>.{0..3}".
  void simple_fpn_neck(const std::string& p, int64_t C, int64_t d) {
    conv_transpose2(p + ".0.dconv_2x2_0", C, C / 2);
    conv_transpose2(p + ".0.dconv_2x2_1", C / 2, C / 4);
    conv(p + ".0.conv_1x1", C / 4, d, 1);
    conv_transpose2(p + ".1.dconv_2x2", C, C / 2);
    conv(p + ".1.conv_1x1", C / 2, d, 1);
    conv(p + ".2.conv_1x1", C, d, 1);
    conv(p + ".3.conv_1x1", C, d, 1);
    for (int i = 0; i < 4; ++i) conv(p + "." + std::to_string(i) + ".conv_3x3", d, d, 3);
  }
  // nn.ConvTranspose2d(in, out, 2, stride 2): weight [in, out, 2, 2].
  void conv_transpose2(const std::string& p, int64_t in, int64_t out) {
    add(p + ".weight", {in, out, 2, 2}, in);
    add(p + ".bias", {out}, in);
  }
};

}  // namespace sam3rt
