// Reference elementwise ops and softmax, evaluated in f64 and rounded once.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {
namespace {

double apply_unary(UnaryOp op, double v, double p0, double p1) {
  switch (op) {
    case UnaryOp::kGelu: return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case UnaryOp::kRelu: return v > 0 ? v : (v != v ? v : 0.0);
    case UnaryOp::kSigmoid: return 1.0 / (1.0 + std::exp(-v));
    case UnaryOp::kExp: return std::exp(v);
    case UnaryOp::kLog: return std::log(v);
    case UnaryOp::kClamp: return v != v ? v : std::min(std::max(v, p0), p1);
    case UnaryOp::kAddScalar: return v + p0;
    case UnaryOp::kMulScalar: return v * p0;
  }
  return v;
}

double apply_binary(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
  }
  return a;
}

// Views `t` with the rank of `shape` (leading size-1 dims) and broadcasts it.
Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  Tensor v = t;
  while (v.dim() < shape.size()) v = v.unsqueeze(0);
  return v.expand(shape);
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x_in, float p0, float p1) {
  Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) yp[i] = static_cast<float>(apply_unary(op, xp[i], p0, p1));
  return y;
}

Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const Shape shape = broadcast_shapes(a_in.shape(), b_in.shape());
  Tensor a = broadcast_to(a_in, shape).contiguous(), b = broadcast_to(b_in, shape).contiguous();
  Tensor y = Tensor::empty(shape);
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  for (int64_t i = 0; i < y.numel(); ++i) yp[i] = static_cast<float>(apply_binary(op, ap[i], bp[i]));
  return y;
}

void add_inplace(Tensor& a, const Tensor& b_in) {
  Tensor b = broadcast_to(b_in, a.shape()).contiguous();
  float* ap = a.data<float>();
  const float* bp = b.data<float>();
  for (int64_t i = 0; i < a.numel(); ++i) ap[i] = static_cast<float>(static_cast<double>(ap[i]) + bp[i]);
}

// Softmax over `dim` (already wrapped): x viewed as [outer, n, inner].
Tensor softmax(const Tensor& x_in, int dim) {
  Tensor x = x_in.contiguous();
  const int64_t n = x.size(dim);
  int64_t inner = 1;
  for (int d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t outer = n ? x.numel() / (n * inner) : 0;
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      const int64_t base = o * n * inner + in;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < n; ++j) m = std::max<double>(m, xp[base + j * inner]);
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += std::exp(xp[base + j * inner] - m);
      for (int64_t j = 0; j < n; ++j)
        yp[base + j * inner] = static_cast<float>(std::exp(xp[base + j * inner] - m) / sum);
    }
  return y;
}

}  // namespace sam3rt::cpu::ref
