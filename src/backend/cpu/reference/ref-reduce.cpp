// Reference reductions and gathers: masked mean, concat, embedding lookup.
#include <algorithm>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// x: [B, L, C], padding_mask: u8 [B, L] (1 = padding) → [B, C]
Tensor masked_mean(const Tensor& x_in, const Tensor& mask_in) {
  Tensor x = x_in.contiguous(), mask = mask_in.contiguous();
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  Tensor y = Tensor::empty({B, C});
  const float* xp = x.data<float>();
  const uint8_t* mp = mask.data<uint8_t>();
  float* yp = y.data<float>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t valid = 0;
    for (int64_t l = 0; l < L; ++l) valid += mp[b * L + l] ? 0 : 1;
    for (int64_t c = 0; c < C; ++c) {
      double acc = 0;
      for (int64_t l = 0; l < L; ++l)
        if (!mp[b * L + l]) acc += xp[(b * L + l) * C + c];
      yp[b * C + c] = static_cast<float>(acc / static_cast<double>(std::max<int64_t>(valid, 1)));
    }
  }
  return y;
}

// Copies each input into its slice of a new tensor along `dim` (already wrapped).
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  Shape shape = xs[0].shape();
  int64_t total = 0;
  for (const Tensor& t : xs) total += t.size(dim);
  shape[dim] = total;
  Tensor y = Tensor::empty(shape, xs[0].dtype());
  int64_t at = 0;
  for (const Tensor& t : xs) {
    Tensor dst = y.narrow(dim, at, t.size(dim));
    if (t.numel()) dst.copy_(t);
    at += t.size(dim);
  }
  return y;
}

// weight: [V, C], ids: i32/i64 [...] (validated by the ops layer) → [..., C]
Tensor embedding(const Tensor& weight_in, const Tensor& ids_in) {
  Tensor w = weight_in.contiguous(), ids = ids_in.contiguous();
  const int64_t C = w.size(1);
  Shape shape = ids.shape();
  shape.push_back(C);
  Tensor y = Tensor::empty(shape);
  const float* wp = w.data<float>();
  float* yp = y.data<float>();
  for (int64_t i = 0; i < ids.numel(); ++i) {
    const int64_t id = ids.dtype() == DType::kI32 ? ids.data<int32_t>()[i] : ids.data<int64_t>()[i];
    std::copy(wp + id * C, wp + (id + 1) * C, yp + i * C);
  }
  return y;
}

}  // namespace sam3rt::cpu::ref
