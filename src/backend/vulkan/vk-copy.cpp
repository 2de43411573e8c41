// Copies on a Vulkan device: the strided copy with dtype conversion behind Tensor::copy_ and
// contiguous(), fill, and concat (one strided copy per input).
#include <algorithm>

#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt::vk {

Merged merge_dims(const Shape& shape, const Shape& s0, const Shape& s1, const char* what) {
  int64_t dims[kMaxDims], st[2][kMaxDims];
  int n = 0;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (n > 0 && st[0][n - 1] == s0[d] * shape[d] && st[1][n - 1] == s1[d] * shape[d]) {
      dims[n - 1] *= shape[d];
      st[0][n - 1] = s0[d];
      st[1][n - 1] = s1[d];
      continue;
    }
    dims[n] = shape[d];
    st[0][n] = s0[d];
    st[1][n] = s1[d];
    ++n;
  }
  SAM3RT_CHECK(n <= 6, kUnsupported, "Vulkan ", what, ": a layout of ", n,
               " non-mergeable dimensions (the shaders take 6)");
  Merged m;
  m.rank = n;
  for (int d = 0; d < n; ++d) {
    m.shape[d] = to_i32(dims[d], "a dimension");
    m.stride[0][d] = to_i32(st[0][d], "a stride");
    m.stride[1][d] = to_i32(st[1][d], "a stride");
  }
  return m;
}

void strided_copy(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  const Merged m = merge_dims(dst.shape(), src.strides(), dst.strides(), "copy");
  struct {
    int32_t n, rank, src_off, dst_off, src_dt, dst_dt;
    int32_t shape[6], sstride[6], dstride[6];
  } push{};
  push.n = to_i32(dst.numel(), "element count");
  push.rank = m.rank;
  push.src_off = to_i32(src.offset(), "offset");
  push.dst_off = to_i32(dst.offset(), "offset");
  push.src_dt = static_cast<int32_t>(src.dtype());
  push.dst_dt = static_cast<int32_t>(dst.dtype());
  std::copy(m.shape, m.shape + 6, push.shape);
  std::copy(m.stride[0], m.stride[0] + 6, push.sstride);
  std::copy(m.stride[1], m.stride[1] + 6, push.dstride);
  const Groups g = groups_for(dst.numel(), 256);
  dispatch(device_index(dst), "copy", {in(src), out(dst)}, push, g.x, g.y);
}

void fill(const Tensor& dst, float value) {
  if (dst.numel() == 0) return;
  struct {
    int32_t n, off, dt;
    float value;
  } push{to_i32(dst.numel(), "element count"), to_i32(dst.offset(), "offset"),
         static_cast<int32_t>(dst.dtype()), value};
  const Groups g = groups_for(dst.numel(), 256);
  dispatch(device_index(dst), "fill", {out(dst)}, push, g.x, g.y);
}

// ref: backend/cpu/reference/ref-reduce.cpp concat
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  Shape shape = xs[0].shape();
  int64_t total = 0;
  for (const Tensor& t : xs) total += t.size(dim);
  shape[dim] = total;
  Tensor y = Tensor::empty(shape, xs[0].dtype(), xs[0].device());
  int64_t at = 0;
  for (const Tensor& t : xs) {
    if (t.numel()) strided_copy(y.narrow(dim, at, t.size(dim)), t);
    at += t.size(dim);
  }
  return y;
}

}  // namespace sam3rt::vk
