// Optimised RoPE application: (batch·head) planes in parallel, pairs rotated in f32.
#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {

// ref: sam3/model/vitdet.py apply_rotary_enc
// x: [B, H, L, D], table: [L, D/2, 2] → [B, H, L, D]
Tensor apply_rope(const Tensor& x_in, const Tensor& table_in) {
  // x may be a strided view (q/k are head views of the qkv projection): read it in place when its
  // last dimension is contiguous, instead of copying it first.
  const Tensor x = x_in.stride(3) == 1 || x_in.size(3) <= 1 ? x_in : x_in.contiguous();
  const Tensor table = table_in.contiguous();
  const int64_t B = x.size(0), H = x.size(1), L = x.size(2), D = x.size(3), half = D / 2;
  Tensor y = Tensor::empty(x.shape());
  if (y.numel() == 0) return y;
  const float* xp = x.data<float>();
  const float* tp = table.data<float>();
  float* yp = y.data<float>();
  const int64_t sb = x.stride(0), sh = x.stride(1), sl = x.stride(2);
  parallel_for(B * H * L, std::max<int64_t>(1, 8192 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t l = r % L, h = (r / L) % H, b = r / (L * H);
      const float* __restrict xr = xp + b * sb + h * sh + l * sl;
      const float* __restrict tr = tp + l * D;  // [D/2, 2] per token
      float* __restrict yr = yp + r * D;
      for (int64_t j = 0; j < half; ++j) {
        const float a = xr[2 * j], c = tr[2 * j], s = tr[2 * j + 1], bb = xr[2 * j + 1];
        yr[2 * j] = a * c - bb * s;
        yr[2 * j + 1] = a * s + bb * c;
      }
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
