// ops::linear, ops::matmul: checks and dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  static constexpr const char* kOp = "linear";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "x", x);
  check_dim(kOp, "w", w, 2);
  check_float(kOp, "x", x);
  check_float(kOp, "w", w);
  SAM3RT_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), kInvalidArgument, "[linear] x ", x.str(),
               " has last dimension ", x.dim() ? x.size(-1) : 0, " but w ", w.str(), " expects ", w.size(1));
  check_vector(kOp, "b", b, w.size(0));
  const Device dev = common_device(kOp, {&x, &w, &b});
  return backend_kernel(kOp, dev, &KernelTable::linear)(as_f32(x), as_f32(w), as_f32(b));
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  static constexpr const char* kOp = "matmul";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "a", a);
  check_defined(kOp, "b", b);
  check_float(kOp, "a", a);
  check_float(kOp, "b", b);
  SAM3RT_CHECK(a.dim() >= 2 && b.dim() >= 2, kInvalidArgument, "[matmul] both inputs need at least 2 dimensions, got ",
               a.str(), " and ", b.str());
  SAM3RT_CHECK(a.size(-1) == b.size(-2), kInvalidArgument, "[matmul] inner dimensions differ: a ", a.str(), ", b ",
               b.str());
  const Device dev = common_device(kOp, {&a, &b});
  return backend_kernel(kOp, dev, &KernelTable::matmul)(as_f32(a), as_f32(b));
}

}  // namespace sam3rt::ops
