#include "model/position-encoding.h"

#include <cmath>
#include <numbers>
#include <vector>

namespace sam3rt {

SinePositionEncoding::SinePositionEncoding(int num_pos_feats, Device device, float temperature)
    : num_pos_feats_(num_pos_feats), device_(device), temperature_(temperature) {
  SAM3RT_CHECK(num_pos_feats > 0 && num_pos_feats % 4 == 0, kFormat,
               "sine position encoding: the channel count must be a positive multiple of 4, got ", num_pos_feats);
}

Tensor SinePositionEncoding::get(int h, int w) const {
  SAM3RT_CHECK(h > 0 && w > 0, kInvalidArgument, "sine position encoding: bad map size ", h, "x", w);
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(h, w);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Tensor t = compute(h, w).to(device_);
  cache_.emplace(key, t);
  return t;
}

// ref: sam3/model/position_encoding.py PositionEmbeddingSine.forward
// Every step is done in float32 in the reference's order (normalise, scale, divide by τ, sin/cos)
// so that the table matches it to the last bit or two.
Tensor SinePositionEncoding::compute(int h, int w) const {
  const int half = num_pos_feats_ / 2;  // channels per axis
  const float scale = static_cast<float>(2.0 * std::numbers::pi);
  const float eps = 1e-6f;

  // τ_k = temperature^(2⌊k/2⌋ / half), k = 0..half−1
  std::vector<float> dim_t(half);
  for (int k = 0; k < half; ++k) {
    float e = (2.f * static_cast<float>(k / 2)) / static_cast<float>(half);
    dim_t[k] = std::pow(temperature_, e);
  }
  // One axis: position p (1-based) of n → half channels, sin on even k, cos on odd k.
  auto encode_axis = [&](int n) {
    std::vector<float> out(static_cast<size_t>(n) * half);
    const float denom = static_cast<float>(n) + eps;
    for (int i = 0; i < n; ++i) {
      float pos = static_cast<float>(i + 1) / denom * scale;
      for (int k = 0; k < half; ++k) {
        float a = pos / dim_t[k];
        out[static_cast<size_t>(i) * half + k] = (k % 2 == 0) ? std::sin(a) : std::cos(a);
      }
    }
    return out;
  };
  std::vector<float> pe_y = encode_axis(h), pe_x = encode_axis(w);

  // pos: [1, 2·half, h, w], channels [y | x]
  Tensor pos = Tensor::empty({1, num_pos_feats_, h, w});
  float* p = pos.data<float>();
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int k = 0; k < half; ++k) {
    float* py = p + static_cast<int64_t>(k) * plane;
    float* px = p + static_cast<int64_t>(half + k) * plane;
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j) {
        py[static_cast<int64_t>(i) * w + j] = pe_y[static_cast<size_t>(i) * half + k];
        px[static_cast<int64_t>(i) * w + j] = pe_x[static_cast<size_t>(j) * half + k];
      }
  }
  return pos;
}

}  // namespace sam3rt
