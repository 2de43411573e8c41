// The kernels a backend provides to src/ops, as one table of function pointers (the op half of
// a backend, backend/backend.h). The ops layer has already checked the arguments, put every input
// on the backend's device, moved floating inputs to f32 and resolved defaults; kernels accept
// non-contiguous views and return new contiguous f32 tensors on the inputs' device.
//
// Shared conventions:
// - mask tensors (key_padding_mask, padding_mask) are u8 with 1 = padding;
// - embedding ids are i32 or i64 and already range-checked;
// - attention `bias` is already expanded (a stride-0 view) to [B, H, Lq, Lk] by the ops layer;
// - softmax `dim` is already wrapped to [0, rank);
// - concat keeps the inputs' common dtype (it is the one kernel that is not f32-only);
// - roi_align's batch indices are already range-checked.
// A null entry means the backend has no kernel for that op: the op reports "not implemented on
// <device>".
#pragma once

#include <vector>

#include "core/tensor.h"

namespace sam3rt {

// Elementwise unary ops; p0/p1 are the scalar parameters (clamp: lo, hi; add/mul_scalar: s).
enum class UnaryOp { kGelu, kRelu, kSigmoid, kExp, kLog, kClamp, kAddScalar, kMulScalar };
enum class BinaryOp { kAdd, kSub, kMul, kDiv };

struct KernelTable {
  // --- linear algebra: x: [..., in], w: [out, in], b: [out] or undefined; a: [..., M, K] · b: [..., K, N]
  Tensor (*linear)(const Tensor& x, const Tensor& w, const Tensor& b) = nullptr;
  Tensor (*matmul)(const Tensor& a, const Tensor& b) = nullptr;
  // --- convolution / pooling (NCHW)
  Tensor (*conv2d)(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h,
                   int pad_w, int groups) = nullptr;
  Tensor (*conv_transpose2d)(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h,
                             int stride_w) = nullptr;
  Tensor (*max_pool2d)(const Tensor& x, int kernel, int stride) = nullptr;
  // --- normalisation, elementwise, reductions, gathers
  Tensor (*layer_norm)(const Tensor& x, const Tensor& w, const Tensor& b, float eps) = nullptr;
  Tensor (*group_norm)(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps) = nullptr;
  Tensor (*unary)(UnaryOp op, const Tensor& x, float p0, float p1) = nullptr;
  Tensor (*binary)(BinaryOp op, const Tensor& a, const Tensor& b) = nullptr;  // numpy broadcasting
  void (*add_inplace)(Tensor& a, const Tensor& b) = nullptr;  // a contiguous f32; b broadcasts to a
  Tensor (*softmax)(const Tensor& x, int dim) = nullptr;
  Tensor (*masked_mean)(const Tensor& x, const Tensor& padding_mask) = nullptr;
  Tensor (*concat)(const std::vector<Tensor>& xs, int dim) = nullptr;
  Tensor (*embedding)(const Tensor& weight, const Tensor& ids) = nullptr;
  // --- attention and RoPE
  Tensor (*attention)(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                      const Tensor& bias, float scale) = nullptr;
  Tensor (*apply_rope)(const Tensor& x, const Tensor& table) = nullptr;
  // --- resampling
  Tensor (*interpolate_nearest)(const Tensor& x, int oh, int ow) = nullptr;
  Tensor (*interpolate_bilinear)(const Tensor& x, int oh, int ow) = nullptr;
  Tensor (*interpolate_bilinear_antialias)(const Tensor& x, int oh, int ow) = nullptr;
  Tensor (*roi_align)(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale,
                      int sampling_ratio, bool aligned) = nullptr;
  Tensor (*grid_sample)(const Tensor& x, const Tensor& grid) = nullptr;
};

}  // namespace sam3rt
