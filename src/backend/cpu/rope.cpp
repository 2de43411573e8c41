// Optimised RoPE application: (batch·head) planes in parallel, pairs rotated in f32.
#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {

// ref: sam3/model/vitdet.py apply_rotary_enc
// x: [B, H, L, D], table: [L, D/2, 2] → [B, H, L, D]
Tensor apply_rope(const Tensor& x_in, const Tensor& table_in) {
  Tensor x = x_in.contiguous(), table = table_in.contiguous();
  const int64_t L = x.size(2), D = x.size(3), BH = x.size(0) * x.size(1), half = D / 2;
  Tensor y = Tensor::empty(x.shape());
  if (y.numel() == 0) return y;
  const float* xp = x.data<float>();
  const float* tp = table.data<float>();
  float* yp = y.data<float>();
  parallel_for(BH * L, std::max<int64_t>(1, 8192 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* __restrict xr = xp + r * D;
      const float* __restrict tr = tp + (r % L) * D;  // [D/2, 2] per token
      float* __restrict yr = yp + r * D;
      for (int64_t j = 0; j < half; ++j) {
        const float a = xr[2 * j], b = xr[2 * j + 1], c = tr[2 * j], s = tr[2 * j + 1];
        yr[2 * j] = a * c - b * s;
        yr[2 * j + 1] = a * s + b * c;
      }
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
