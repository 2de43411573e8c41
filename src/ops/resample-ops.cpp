// ops::interpolate_nearest/bilinear/bilinear_antialias, ops::roi_align, ops::grid_sample: checks
// and dispatch. (resize_bilinear_antialias_u8 lives in resize-antialias-op.cpp.)
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;
namespace {

void check_resize(const char* op, const Tensor& x, int oh, int ow) {
  check_dim(op, "x", x, 4);
  check_float(op, "x", x);
  SAM3RT_CHECK(oh > 0 && ow > 0 && x.size(2) > 0 && x.size(3) > 0, kInvalidArgument, "[", op, "] output size ", oh,
               "x", ow, " and input ", x.str(), " must be non-empty");
}

}  // namespace

Tensor interpolate_nearest(const Tensor& x, int oh, int ow) {
  static constexpr const char* kOp = "interpolate_nearest";
  const OpScope profile_scope(kOp);
  check_resize(kOp, x, oh, ow);
  const Device dev = common_device(kOp, {&x});
  return backend_kernel(kOp, dev, &KernelTable::interpolate_nearest)(as_f32(x), oh, ow);
}

Tensor interpolate_bilinear(const Tensor& x, int oh, int ow) {
  static constexpr const char* kOp = "interpolate_bilinear";
  const OpScope profile_scope(kOp);
  check_resize(kOp, x, oh, ow);
  const Device dev = common_device(kOp, {&x});
  return backend_kernel(kOp, dev, &KernelTable::interpolate_bilinear)(as_f32(x), oh, ow);
}

Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow) {
  static constexpr const char* kOp = "interpolate_bilinear_antialias";
  const OpScope profile_scope(kOp);
  check_resize(kOp, x, oh, ow);
  const Device dev = common_device(kOp, {&x});
  return backend_kernel(kOp, dev, &KernelTable::interpolate_bilinear_antialias)(as_f32(x), oh, ow);
}

Tensor roi_align(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale, int sampling_ratio,
                 bool aligned) {
  static constexpr const char* kOp = "roi_align";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_dim(kOp, "boxes", boxes, 2);
  check_float(kOp, "x", x);
  check_float(kOp, "boxes", boxes);
  SAM3RT_CHECK(boxes.size(1) == 5, kInvalidArgument, "[roi_align] boxes must be [N, 5] (batch, x0, y0, x1, y1), got ",
               boxes.str());
  SAM3RT_CHECK(out_h > 0 && out_w > 0, kInvalidArgument, "[roi_align] output size must be positive, got ", out_h, "x",
               out_w);
  const Device dev = common_device(kOp, {&x, &boxes});
  const auto roi_align_kernel = backend_kernel(kOp, dev, &KernelTable::roi_align);
  const Tensor b_host = as_f32(boxes).to(Device::cpu());  // batch-index check on the host (boxes are few)
  for (int64_t n = 0; n < b_host.size(0); ++n) {
    const float idx = b_host.item_at({n, 0});
    SAM3RT_CHECK(idx >= 0 && idx < static_cast<float>(x.size(0)) && idx == static_cast<float>(static_cast<int64_t>(idx)),
                 kInvalidArgument, "[roi_align] box ", n, " has batch index ", idx, " outside [0, ", x.size(0), ")");
  }
  return roi_align_kernel(as_f32(x), as_f32(boxes), out_h, out_w, spatial_scale, sampling_ratio, aligned);
}

Tensor grid_sample(const Tensor& x, const Tensor& grid) {
  static constexpr const char* kOp = "grid_sample";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_dim(kOp, "grid", grid, 4);
  check_float(kOp, "x", x);
  check_float(kOp, "grid", grid);
  SAM3RT_CHECK(grid.size(0) == x.size(0) && grid.size(3) == 2, kInvalidArgument, "[grid_sample] grid ", grid.str(),
               " must be [B, Ho, Wo, 2] with B = ", x.size(0));
  const Device dev = common_device(kOp, {&x, &grid});
  return backend_kernel(kOp, dev, &KernelTable::grid_sample)(as_f32(x), as_f32(grid));
}

}  // namespace sam3rt::ops
