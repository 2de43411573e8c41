#include "model/detector-layers.h"

#include <cmath>

#include "ops/ops.h"

namespace sam3rt {

Linear::Linear(const WeightStore& w, const std::string& prefix, int64_t in, int64_t out, bool has_bias) {
  weight = w.get(prefix + "weight", {out, in});
  if (has_bias) bias = w.get(prefix + "bias", {out});
}

Tensor Linear::operator()(const Tensor& x) const { return ops::linear(x, weight, bias); }

LayerNorm::LayerNorm(const WeightStore& w, const std::string& prefix, int64_t dim, float eps_) : eps(eps_) {
  weight = w.get(prefix + "weight", {dim});
  bias = w.get(prefix + "bias", {dim});
}

Tensor LayerNorm::operator()(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }

Mlp::Mlp(const WeightStore& w, const std::string& prefix, int64_t in, int64_t hidden, int64_t out,
         int num_layers) {
  for (int i = 0; i < num_layers; ++i) {
    const int64_t li = i == 0 ? in : hidden;
    const int64_t lo = i == num_layers - 1 ? out : hidden;
    layers.emplace_back(w, prefix + "layers." + std::to_string(i) + ".", li, lo);
  }
}

// ref: sam3/model/model_misc.py MLP.forward
Tensor Mlp::operator()(const Tensor& x) const {
  Tensor y = x;
  for (size_t i = 0; i < layers.size(); ++i) {
    y = layers[i](y);
    if (i + 1 < layers.size()) y = ops::relu(y);
  }
  return y;
}

FeedForward::FeedForward(const WeightStore& w, const std::string& prefix, int64_t dim, int64_t hidden)
    : linear1(w, prefix + "linear1.", dim, hidden), linear2(w, prefix + "linear2.", hidden, dim) {}

Tensor FeedForward::operator()(const Tensor& x) const { return linear2(ops::relu(linear1(x))); }

void sine_encode(float u, int feats, float* out) {
  // The reference multiplies by the Python float 2π inside a float32 tensor op, then divides by
  // a float32 τ; do the same so that large arguments round alike.
  const float scale = static_cast<float>(2.0 * M_PI);
  const float embed = u * scale;
  for (int k = 0; k < feats; ++k) {
    const float expo = static_cast<float>(2 * (k / 2)) / static_cast<float>(feats);
    const float tau = std::pow(10000.f, expo);
    const float a = embed / tau;
    out[k] = (k % 2 == 0) ? std::sin(a) : std::cos(a);
  }
}

Tensor box_cxcywh_to_xyxy(const Tensor& boxes) {
  SAM3RT_ASSERT(boxes.dim() == 2 && boxes.size(1) == 4, "boxes must be [N, 4], got ", boxes.shape().str());
  // A handful of boxes: computed on the host, returned on the boxes' device.
  const Tensor b = boxes.to(Device::cpu()).contiguous();
  const int64_t n = b.size(0);
  Tensor out = Tensor::empty({n, 4});
  const float* s = b.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float cx = s[4 * i], cy = s[4 * i + 1], w = s[4 * i + 2], h = s[4 * i + 3];
    d[4 * i + 0] = cx - 0.5f * w;
    d[4 * i + 1] = cy - 0.5f * h;
    d[4 * i + 2] = cx + 0.5f * w;
    d[4 * i + 3] = cy + 0.5f * h;
  }
  return out.to(boxes.device());
}

Tensor inverse_sigmoid(const Tensor& x, float eps) {
  const Tensor c = x.to(Device::cpu()).contiguous();  // reference boxes, Q×4: on the host
  Tensor out = Tensor::empty(c.shape());
  const float* s = c.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < c.numel(); ++i) {
    const float v = std::min(std::max(s[i], 0.f), 1.f);
    const float x1 = std::max(v, eps);
    const float x2 = std::max(1.f - v, eps);
    d[i] = std::log(x1 / x2);
  }
  return out.to(x.device());
}

}  // namespace sam3rt
