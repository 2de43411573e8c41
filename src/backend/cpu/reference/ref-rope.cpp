// Reference 2-D axial rotary position encoding.
#include <cmath>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// ref: sam3/model/vitdet.py compute_axial_cis, init_t_xy
// → [end_x·end_y, dim/2, 2] (cos θ, sin θ). Evaluated in f32 like the reference: f_j =
// 1 / theta^(4j/dim); token t sits at x = (t mod end_x)·scale, y = ⌊t/end_x⌋·scale; pairs
// j < dim/4 rotate by x·f_j, pairs j ≥ dim/4 by y·f_{j−dim/4}.
Tensor axial_rope_table(int dim, int end_x, int end_y, float theta, float scale) {
  const int64_t L = static_cast<int64_t>(end_x) * end_y, quarter = dim / 4;
  Tensor t = Tensor::empty({L, dim / 2, 2});
  float* tp = t.data<float>();
  for (int64_t tok = 0; tok < L; ++tok) {
    const float x = static_cast<float>(tok % end_x) * scale;
    const float y = static_cast<float>(tok / end_x) * scale;
    for (int64_t j = 0; j < 2 * quarter; ++j) {
      const int64_t jj = j < quarter ? j : j - quarter;
      const float f = 1.0f / std::pow(theta, static_cast<float>(4 * jj) / static_cast<float>(dim));
      const float angle = (j < quarter ? x : y) * f;
      tp[(tok * (dim / 2) + j) * 2 + 0] = std::cos(angle);
      tp[(tok * (dim / 2) + j) * 2 + 1] = std::sin(angle);
    }
  }
  return t;
}

// ref: sam3/model/vitdet.py apply_rotary_enc
// x: [B, H, L, D], table: [L, D/2, 2] → [B, H, L, D]; (a, b) → (a·cos − b·sin, a·sin + b·cos)
Tensor apply_rope(const Tensor& x_in, const Tensor& table_in) {
  Tensor x = x_in.contiguous(), table = table_in.contiguous();
  const int64_t L = x.size(2), D = x.size(3), BH = x.numel() / (L * D);
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  const float* tp = table.data<float>();
  float* yp = y.data<float>();
  for (int64_t p = 0; p < BH; ++p)
    for (int64_t l = 0; l < L; ++l)
      for (int64_t j = 0; j < D / 2; ++j) {
        const float a = xp[(p * L + l) * D + 2 * j], b = xp[(p * L + l) * D + 2 * j + 1];
        const float c = tp[(l * (D / 2) + j) * 2], s = tp[(l * (D / 2) + j) * 2 + 1];
        yp[(p * L + l) * D + 2 * j] = a * c - b * s;
        yp[(p * L + l) * D + 2 * j + 1] = a * s + b * c;
      }
  return y;
}

}  // namespace sam3rt::cpu::ref
