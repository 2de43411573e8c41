// ops:: activations, elementwise unary/binary ops and softmax: checks and dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;
namespace {

Tensor unary_op(const char* op, UnaryOp kind, const Tensor& x, float p0 = 0.f, float p1 = 0.f) {
  const OpScope profile_scope(op);
  check_defined(op, "x", x);
  check_float(op, "x", x);
  const Device dev = common_device(op, {&x});
  return backend_kernel(op, dev, &KernelTable::unary)(kind, as_f32(x), p0, p1);
}

Tensor binary_op(const char* op, BinaryOp kind, const Tensor& a, const Tensor& b) {
  const OpScope profile_scope(op);
  check_defined(op, "a", a);
  check_defined(op, "b", b);
  check_float(op, "a", a);
  check_float(op, "b", b);
  broadcast_shapes(a.shape(), b.shape());  // throws with both shapes when they do not broadcast
  const Device dev = common_device(op, {&a, &b});
  return backend_kernel(op, dev, &KernelTable::binary)(kind, as_f32(a), as_f32(b));
}

}  // namespace

Tensor gelu(const Tensor& x) { return unary_op("gelu", UnaryOp::kGelu, x); }
Tensor relu(const Tensor& x) { return unary_op("relu", UnaryOp::kRelu, x); }
Tensor sigmoid(const Tensor& x) { return unary_op("sigmoid", UnaryOp::kSigmoid, x); }
Tensor exp(const Tensor& x) { return unary_op("exp", UnaryOp::kExp, x); }
Tensor log(const Tensor& x) { return unary_op("log", UnaryOp::kLog, x); }
Tensor clamp(const Tensor& x, float lo, float hi) {
  SAM3RT_CHECK(lo <= hi, kInvalidArgument, "[clamp] lo ", lo, " is greater than hi ", hi);
  return unary_op("clamp", UnaryOp::kClamp, x, lo, hi);
}
Tensor add_scalar(const Tensor& x, float s) { return unary_op("add_scalar", UnaryOp::kAddScalar, x, s); }
Tensor mul_scalar(const Tensor& x, float s) { return unary_op("mul_scalar", UnaryOp::kMulScalar, x, s); }

Tensor add(const Tensor& a, const Tensor& b) { return binary_op("add", BinaryOp::kAdd, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op("sub", BinaryOp::kSub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op("mul", BinaryOp::kMul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op("div", BinaryOp::kDiv, a, b); }

void add_(Tensor& a, const Tensor& b) {
  static constexpr const char* kOp = "add_";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "a", a);
  check_defined(kOp, "b", b);
  SAM3RT_CHECK(a.dtype() == DType::kF32 && a.is_contiguous(), kInvalidArgument,
               "[add_] a must be a contiguous f32 tensor, got ", a.str(), "; use ops::add instead");
  check_float(kOp, "b", b);
  SAM3RT_CHECK(broadcast_shapes(a.shape(), b.shape()) == a.shape(), kInvalidArgument, "[add_] b ", b.str(),
               " does not broadcast to a ", a.str());
  const Device dev = common_device(kOp, {&a, &b});
  return backend_kernel(kOp, dev, &KernelTable::add_inplace)(a, as_f32(b));
}

Tensor softmax(const Tensor& x, int dim) {
  static constexpr const char* kOp = "softmax";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "x", x);
  check_float(kOp, "x", x);
  SAM3RT_CHECK(x.dim() >= 1 && dim >= -x.dim() && dim < x.dim(), kInvalidArgument, "[softmax] dim ", dim,
               " is out of range for x ", x.str());
  const Device dev = common_device(kOp, {&x});
  return backend_kernel(kOp, dev, &KernelTable::softmax)(as_f32(x), x.wrap_dim(dim));
}

}  // namespace sam3rt::ops
