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
  // nn.ConvTranspose2d(in, out, 2, stride 2): weight [in, out, 2, 2].
  void conv_transpose2(const std::string& p, int64_t in, int64_t out) {
    add(p + ".weight", {in, out, 2, 2}, in);
    add(p + ".bias", {out}, in);
  }
};

}  // namespace sam3rt
