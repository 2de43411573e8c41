// ops::linear, ops::matmul: checks and dispatch.
#include "core/numerics.h"
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
  // Under --precision bf16 a bf16 weight (LoadOptions::bf16_linear_weights) reaches the kernel as it
  // is: the products read it in place instead of converting it on every call.
  add_matmul_flops(2.0 * (x.numel() / std::max<int64_t>(w.size(1), 1)) * w.numel());
  const bool keep_bf16 = w.dtype() == DType::kBF16 && matmul_precision() == MatmulPrecision::kBf16;
  return backend_kernel(kOp, dev, &KernelTable::linear)(as_f32(x), keep_bf16 ? w : as_f32(w), as_f32(b));
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
  {  // 2·M·N·K per matrix of the broadcast batch (the larger of the two operands' batches)
    const double m = a.size(-2), k = a.size(-1), n = b.size(-1);
    const double batch =
        std::max(m * k > 0 ? a.numel() / (m * k) : 0.0, k * n > 0 ? b.numel() / (k * n) : 0.0);
    add_matmul_flops(2.0 * batch * m * n * k);
  }
  return backend_kernel(kOp, dev, &KernelTable::matmul)(as_f32(a), as_f32(b));
}

}  // namespace sam3rt::ops
