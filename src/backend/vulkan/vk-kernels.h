// The Vulkan backend's kernels (the KernelTable of backend/kernel-table.h): host code that checks
// what the shaders cannot take, lays the arguments out as push constants and records the
// dispatches (vk-runtime.h). Each is tested against the CPU reference kernel (tests/vulkan/).
#pragma once

#include <vector>

#include "backend/kernel-table.h"
#include "core/tensor.h"

namespace sam3rt::vk {

// vk-copy.cpp
Tensor concat(const std::vector<Tensor>& xs, int dim);
// vk-elementwise.cpp
Tensor unary(UnaryOp op, const Tensor& x, float p0, float p1);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
void add_inplace(Tensor& a, const Tensor& b);
Tensor softmax(const Tensor& x, int dim);
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps);
Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps);
Tensor masked_mean(const Tensor& x, const Tensor& padding_mask);
Tensor embedding(const Tensor& weight, const Tensor& ids);
Tensor apply_rope(const Tensor& x, const Tensor& table);
// vk-linalg.cpp
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h,
              int pad_w, int groups);
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w);
Tensor max_pool2d(const Tensor& x, int kernel, int stride);
// vk-attention.cpp
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale);
// vk-resample.cpp
Tensor interpolate_nearest(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow);
Tensor roi_align(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned);
Tensor grid_sample(const Tensor& x, const Tensor& grid);

// Shapes and strides merged where a run of dimensions is contiguous in every operand, size-1
// dimensions dropped (vk-copy.cpp): what the strided shaders (copy, binary) take, rank ≤ 6.
struct Merged {
  int rank = 0;
  int32_t shape[6] = {};
  int32_t stride[2][6] = {};
};
Merged merge_dims(const Shape& shape, const Shape& s0, const Shape& s1, const char* what);

}  // namespace sam3rt::vk
