// ops::layer_norm, ops::group_norm: checks and dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
  static constexpr const char* kOp = "layer_norm";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "x", x);
  check_float(kOp, "x", x);
  SAM3RT_CHECK(x.dim() >= 1 && x.size(-1) > 0, kInvalidArgument, "[layer_norm] x ", x.str(),
               " needs a non-empty last dimension");
  check_vector(kOp, "w", w, x.size(-1));
  check_vector(kOp, "b", b, x.size(-1));
  const Device dev = common_device(kOp, {&x, &w, &b});
  return backend_kernel(kOp, dev, &KernelTable::layer_norm)(as_f32(x), as_f32(w), as_f32(b), eps);
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps) {
  static constexpr const char* kOp = "group_norm";
  const OpScope profile_scope(kOp);
  check_defined(kOp, "x", x);
  check_float(kOp, "x", x);
  SAM3RT_CHECK(x.dim() >= 2 && groups > 0 && x.size(1) % groups == 0, kInvalidArgument, "[group_norm] x ", x.str(),
               " must be [B, C, ...] with C divisible by groups=", groups);
  check_vector(kOp, "w", w, x.size(1));
  check_vector(kOp, "b", b, x.size(1));
  const Device dev = common_device(kOp, {&x, &w, &b});
  return backend_kernel(kOp, dev, &KernelTable::group_norm)(as_f32(x), groups, as_f32(w), as_f32(b), eps);
}

}  // namespace sam3rt::ops
