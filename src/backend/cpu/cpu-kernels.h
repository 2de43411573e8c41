// CPU kernels behind src/ops/ops.h, listed in the CPU backend's table (cpu-backend.cpp). The ops
// layer has already checked the arguments, moved them to f32 (f16/bf16 inputs are converted) and
// resolved defaults; kernels accept non-contiguous views and return new contiguous f32 tensors.
//
// Two families with identical signatures:
//   sam3rt::cpu::ref  plain loops, single-threaded, obviously correct: the test oracle;
//   sam3rt::cpu       the optimised, multithreaded kernels used by ops:: for the hot ops.
// Every optimised kernel is tested against its reference (tests/ops/).
#pragma once

#include <vector>

#include "backend/kernel-table.h"  // UnaryOp, BinaryOp, the conventions shared by every backend's kernels
#include "core/tensor.h"

namespace sam3rt::cpu {

using sam3rt::BinaryOp;
using sam3rt::UnaryOp;

// --- optimised, multithreaded (src/backend/cpu/*.cpp) -----------------------------------------
// The ops that dominate SAM 3's run time. The others (pooling, resampling of small maps, RoIAlign,
// grid_sample, reductions, gathers, the RoPE table) run the reference kernels directly.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h, int pad_w,
              int groups);
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w);
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps);
Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps);
Tensor unary(UnaryOp op, const Tensor& x, float p0, float p1);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
void add_inplace(Tensor& a, const Tensor& b);
Tensor softmax(const Tensor& x, int dim);
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale);
Tensor apply_rope(const Tensor& x, const Tensor& table);
Tensor interpolate_nearest(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow);
Tensor concat(const std::vector<Tensor>& xs, int dim);

// --- reference (src/backend/cpu/reference/*.cpp): single-threaded loops, f64 accumulation ------
namespace ref {
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h, int pad_w,
              int groups);
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w);
Tensor max_pool2d(const Tensor& x, int kernel, int stride);
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps);
Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps);
Tensor unary(UnaryOp op, const Tensor& x, float p0, float p1);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
void add_inplace(Tensor& a, const Tensor& b);
Tensor softmax(const Tensor& x, int dim);
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale);
Tensor axial_rope_table(int dim, int end_x, int end_y, float theta, float scale);
Tensor apply_rope(const Tensor& x, const Tensor& table);
Tensor interpolate_nearest(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow);
Tensor roi_align(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned);
Tensor grid_sample(const Tensor& x, const Tensor& grid);
Tensor masked_mean(const Tensor& x, const Tensor& padding_mask);
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor embedding(const Tensor& weight, const Tensor& ids);
}  // namespace ref

}  // namespace sam3rt::cpu
