// Reference scaled dot-product attention: materialises each query's full score row.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv], key_padding_mask: u8 [B, Lk] (1 = pad),
// bias: [B, H, Lq, Lk] (possibly a stride-0 view) → [B, H, Lq, Dv]
Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& mask_in,
                 const Tensor& bias_in, float scale) {
  const Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  Tensor mask = mask_in.defined() ? mask_in.contiguous() : Tensor();
  Tensor bias = bias_in.defined() ? bias_in.contiguous() : Tensor();
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3);
  const int64_t Lk = k.size(2), Dv = v.size(3);
  Tensor y = Tensor::empty({B, H, Lq, Dv});
  const float* qp = q.data<float>();
  const float* kp = k.data<float>();
  const float* vp = v.data<float>();
  const uint8_t* mp = mask.defined() ? mask.data<uint8_t>() : nullptr;
  const float* bp = bias.defined() ? bias.data<float>() : nullptr;
  float* yp = y.data<float>();
  const double neg_inf = -std::numeric_limits<double>::infinity();
  std::vector<double> s(static_cast<size_t>(Lk));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t bh = b * H + h;
      for (int64_t i = 0; i < Lq; ++i) {
        double m = neg_inf;
        for (int64_t j = 0; j < Lk; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += static_cast<double>(qp[(bh * Lq + i) * D + d]) * kp[(bh * Lk + j) * D + d];
          double logit = dot * scale;
          if (bp) logit += bp[(bh * Lq + i) * Lk + j];
          if (mp && mp[b * Lk + j]) logit = neg_inf;
          s[j] = logit;
          m = std::max(m, logit);
        }
        float* out = yp + (bh * Lq + i) * Dv;
        if (m == neg_inf) {  // every key masked: zeros by contract
          for (int64_t d = 0; d < Dv; ++d) out[d] = 0.f;
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < Lk; ++j) sum += (s[j] = std::exp(s[j] - m));
        for (int64_t d = 0; d < Dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < Lk; ++j) acc += s[j] * vp[(bh * Lk + j) * Dv + d];
          out[d] = static_cast<float>(acc / sum);
        }
      }
    }
  return y;
}

}  // namespace sam3rt::cpu::ref
