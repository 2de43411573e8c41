// ops::conv2d, ops::conv_transpose2d, ops::max_pool2d: checks and dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h, int pad_w,
              int groups) {
  static constexpr const char* kOp = "conv2d";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_dim(kOp, "w", w, 4);
  check_float(kOp, "x", x);
  check_float(kOp, "w", w);
  SAM3RT_CHECK(stride_h > 0 && stride_w > 0 && pad_h >= 0 && pad_w >= 0 && groups > 0, kInvalidArgument,
               "[conv2d] needs stride > 0, padding >= 0, groups > 0; got stride ", stride_h, "x", stride_w,
               ", padding ", pad_h, "x", pad_w, ", groups ", groups);
  SAM3RT_CHECK(x.size(1) % groups == 0 && w.size(0) % groups == 0 && w.size(1) * groups == x.size(1),
               kInvalidArgument, "[conv2d] x ", x.str(), " and w ", w.str(), " do not agree with groups=", groups);
  SAM3RT_CHECK(x.size(2) + 2 * pad_h >= w.size(2) && x.size(3) + 2 * pad_w >= w.size(3), kInvalidArgument,
               "[conv2d] kernel ", w.size(2), "x", w.size(3), " is larger than the padded input ", x.str());
  check_vector(kOp, "b", b, w.size(0));
  const Device dev = common_device(kOp, {&x, &w, &b});
  const int64_t ho = (x.size(2) + 2 * pad_h - w.size(2)) / stride_h + 1,
                wo = (x.size(3) + 2 * pad_w - w.size(3)) / stride_w + 1;
  add_matmul_flops(2.0 * x.size(0) * ho * wo * w.numel());
  return backend_kernel(kOp, dev, &KernelTable::conv2d)(as_f32(x), as_f32(w), as_f32(b), stride_h, stride_w,
                                                        pad_h, pad_w, groups);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w) {
  static constexpr const char* kOp = "conv_transpose2d";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_dim(kOp, "w", w, 4);
  check_float(kOp, "x", x);
  check_float(kOp, "w", w);
  SAM3RT_CHECK(stride_h > 0 && stride_w > 0, kInvalidArgument, "[conv_transpose2d] stride must be positive, got ",
               stride_h, "x", stride_w);
  SAM3RT_CHECK(w.size(0) == x.size(1), kInvalidArgument, "[conv_transpose2d] w ", w.str(),
               " must be [C_in, C_out, kh, kw] with C_in = ", x.size(1), " (x ", x.str(), ")");
  check_vector(kOp, "b", b, w.size(1));
  const Device dev = common_device(kOp, {&x, &w, &b});
  add_matmul_flops(2.0 * x.size(0) * x.size(2) * x.size(3) * w.numel());
  return backend_kernel(kOp, dev, &KernelTable::conv_transpose2d)(as_f32(x), as_f32(w), as_f32(b), stride_h,
                                                                  stride_w);
}

Tensor max_pool2d(const Tensor& x, int kernel, int stride) {
  static constexpr const char* kOp = "max_pool2d";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_float(kOp, "x", x);
  SAM3RT_CHECK(kernel > 0 && stride > 0 && x.size(2) >= kernel && x.size(3) >= kernel, kInvalidArgument,
               "[max_pool2d] kernel ", kernel, " / stride ", stride, " do not fit x ", x.str());
  const Device dev = common_device(kOp, {&x});
  return backend_kernel(kOp, dev, &KernelTable::max_pool2d)(as_f32(x), kernel, stride);
}

}  // namespace sam3rt::ops
