// Sine position encoding of the neck levels (ref: sam3/model/position_encoding.py
// PositionEmbeddingSine, normalize=True, scale=2π, temperature=10000).
#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "core/tensor.h"

namespace sam3rt {

class SinePositionEncoding {
 public:
  // num_pos_feats: total output channels (d_model); half encode y, half encode x. Must be even,
  // and each half even too (sin/cos pairs).
  // Encodings are returned on `device`.
  explicit SinePositionEncoding(int num_pos_feats, Device device = Device::cpu(), float temperature = 10000.f);

  // → f32 [1, num_pos_feats, h, w]. Content independent, so each size is computed once and the
  // same (read-only) tensor is returned afterwards. Thread-safe.
  Tensor get(int h, int w) const;

  int num_pos_feats() const { return num_pos_feats_; }

 private:
  Tensor compute(int h, int w) const;

  int num_pos_feats_;
  Device device_;
  float temperature_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<int, int>, Tensor> cache_;
};

}  // namespace sam3rt
