// CUDA kernels behind src/ops/ops.h, listed in the CUDA backend's table (cuda-backend.cpp), with
// the contract and conventions of backend/kernel-table.h. Inputs are on one CUDA device; kernels
// accept any strides (a kernel may make a contiguous copy with Tensor::contiguous(), which runs on
// the device) and return new contiguous f32 tensors on the inputs' device. Work is queued on the
// device's stream (cuda-runtime.h); nothing here synchronises with the host.
//
// Built only with SAM3RT_CUDA=ON. Each kernel is tested against the CPU reference kernel
// (tests/cuda/).
#pragma once

#include <vector>

#include "backend/kernel-table.h"  // UnaryOp, BinaryOp
#include "core/tensor.h"

namespace sam3rt::cuda {

using sam3rt::BinaryOp;
using sam3rt::UnaryOp;

// --- linear algebra (linalg.cu: cuBLAS, fp32 math, no TF32) ---------------------------------------
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);  // x: [..., in], w: [out, in], b: [out] or undefined
Tensor matmul(const Tensor& a, const Tensor& b);                   // [..., M, K] · [..., K, N], leading dims broadcast

// --- convolution / pooling (conv.cu), NCHW -----------------------------------------------------------
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h, int pad_w,
              int groups);
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w);
Tensor max_pool2d(const Tensor& x, int kernel, int stride);

// --- normalisation, elementwise, reductions (elementwise.cu, norm.cu) ------------------------------
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps);
Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps);
Tensor unary(UnaryOp op, const Tensor& x, float p0, float p1);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);  // numpy broadcasting
void add_inplace(Tensor& a, const Tensor& b);                   // a contiguous f32; b broadcasts to a
Tensor softmax(const Tensor& x, int dim);
Tensor masked_mean(const Tensor& x, const Tensor& padding_mask);
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor embedding(const Tensor& weight, const Tensor& ids);

// --- attention and RoPE (attention.cu) ----------------------------------------------------------------
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale);
Tensor apply_rope(const Tensor& x, const Tensor& table);

// --- resampling (resample.cu) -----------------------------------------------------------------------
Tensor interpolate_nearest(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow);
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow);  // interpolate-antialias.cu
Tensor roi_align(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale, int sampling_ratio,
                 bool aligned);
Tensor grid_sample(const Tensor& x, const Tensor& grid);

}  // namespace sam3rt::cuda
