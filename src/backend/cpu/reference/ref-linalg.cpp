// Reference linear algebra: plain triple loops with f64 accumulation (the oracle for the BLAS
// path).
#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {

// x: [..., in], w: [out, in], b: [out] or undefined → [..., out]
Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const int64_t in = w.size(1), out = w.size(0);
  int64_t rows = 1;  // every dimension of x but the last (also when in == 0)
  for (int d = 0; d + 1 < x.dim(); ++d) rows *= x.size(d);
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = out;
  Tensor y = Tensor::empty(out_shape);
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const float* bp = b.defined() ? b.data<float>() : nullptr;
  float* yp = y.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = bp ? bp[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(xp[r * in + i]) * wp[o * in + i];
      yp[r * out + o] = static_cast<float>(acc);
    }
  return y;
}

// a: [..., M, K], b: [..., K, N] (leading dims broadcast) → [..., M, N]
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
  MatmulBroadcast mb = broadcast_for_matmul(a_in, b_in);
  const Shape& lead = mb.lead;
  const Shape& so = mb.out;
  Tensor a = mb.a.contiguous(), b = mb.b.contiguous();
  Tensor y = Tensor::empty(so);
  const int64_t batch = lead.numel();
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += static_cast<double>(ap[(t * m + i) * k + p]) * bp[(t * k + p) * n + j];
        yp[(t * m + i) * n + j] = static_cast<float>(acc);
      }
  return y;
}

}  // namespace sam3rt::cpu::ref
