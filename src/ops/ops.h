// The operations model code is written in. Each op checks its arguments, then dispatches on the
// device of its inputs to that backend's kernel (src/backend/<name>/). Inputs may be
// non-contiguous views; outputs are new contiguous tensors on the same device. Floating-point
// ops compute in f32 (f16/bf16 inputs are converted). Shapes use the reference's layouts.
//
// The plain reference kernels (src/backend/cpu/reference/, namespace sam3rt::cpu::ref) are the
// oracle for every optimised kernel; the op tests compare the two.
#pragma once

#include <optional>
#include <vector>

#include "core/tensor.h"

namespace sam3rt::ops {

// --- linear algebra --------------------------------------------------------------------------
// y = x · wᵀ + b.  x: [..., in], w: [out, in], b: [out] or undefined → [..., out]
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());
// Batched matrix product with broadcasting of leading dims. a: [..., M, K], b: [..., K, N] → [..., M, N].
// Transposed views (last two strides swapped) are passed to BLAS without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);

// --- convolution / pooling (NCHW) ------------------------------------------------------------
// x: [B, C, H, W], w: [O, C/groups, kh, kw], b: [O] or undefined → [B, O, Ho, Wo]
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w, int pad_h, int pad_w,
              int groups = 1);
// x: [B, C, H, W], w: [C, O, kh, kw] (PyTorch ConvTranspose2d layout), b: [O] or undefined.
// No padding/output_padding/dilation. → [B, O, (H−1)·s + kh, (W−1)·s + kw]
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride_h, int stride_w);
// x: [B, C, H, W] → [B, C, ⌊(H−k)/s⌋+1, ⌊(W−k)/s⌋+1]
Tensor max_pool2d(const Tensor& x, int kernel, int stride);

// --- normalisation ---------------------------------------------------------------------------
// Over the last dimension. x: [..., C], w/b: [C] (either may be undefined = no affine part).
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps);
// x: [B, C, ...], groups divides C, w/b: [C] → same shape
Tensor group_norm(const Tensor& x, int groups, const Tensor& w, const Tensor& b, float eps);

// --- activations and elementwise -------------------------------------------------------------
Tensor gelu(const Tensor& x);  // exact: 0.5·x·(1 + erf(x/√2))
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softmax(const Tensor& x, int dim = -1);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor clamp(const Tensor& x, float lo, float hi);
// Broadcasting binary ops (numpy rules), f32 result.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add_scalar(const Tensor& x, float s);
Tensor mul_scalar(const Tensor& x, float s);
// In-place a += b (b broadcast to a's shape); a must be contiguous f32. Saves an allocation on
// residual connections.
void add_(Tensor& a, const Tensor& b);

// --- attention -------------------------------------------------------------------------------
// Scaled dot-product attention, tiled over keys (online softmax) so that a long sequence never
// materialises its full Lq×Lk score matrix.
// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv]
// key_padding_mask: u8 [B, Lk] (1 = padding → logit −∞) or undefined
// bias: f32 broadcastable to [B, H, Lq, Lk] (added after scaling) or undefined
// scale: multiplies q·kᵀ (usually 1/√D). A query whose keys are all masked gets zeros.
// → [B, H, Lq, Dv]
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale);

// --- rotary position encoding ----------------------------------------------------------------
// 2-D axial RoPE table (spec §4.5): returns f32 [end_x·end_y, dim/2, 2] holding (cos θ, sin θ);
// pairs j < dim/4 use x·f_j, pairs j ≥ dim/4 use y·f_{j−dim/4}, f_j = theta^(−4j/dim).
Tensor axial_rope_table(int dim, int end_x, int end_y, float theta, float scale);
// Rotates adjacent channel pairs (2j, 2j+1) of x: [B, H, L, D] by table [L, D/2, 2] → same shape.
Tensor apply_rope(const Tensor& x, const Tensor& table);

// --- resampling ------------------------------------------------------------------------------
// x: [B, C, H, W] → [B, C, oh, ow]; nearest: src = ⌊dst·in/out⌋ (PyTorch 'nearest').
Tensor interpolate_nearest(const Tensor& x, int oh, int ow);
// Bilinear, align_corners=False, no antialiasing (PyTorch 'bilinear').
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow);
// PyTorch F.interpolate(mode='bilinear', align_corners=False, antialias=True) on float data.
// x: [B, C, H, W] → [B, C, oh, ow]. Per axis, scale s = in/out; output i averages the inputs under
// a triangle filter of half-width max(s, 1) centred on s·(i + ½), weights normalised to sum 1
// (for s < 1 this is plain bilinear, up to rounding). Separable: the width pass, then the height pass, each
// skipped when that size does not change. The tracker resizes masks with it.
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow);
// torchvision Resize(antialias=True) of a uint8 image as done on CUDA by the reference:
// u8 [C, H, W] → float antialiased bilinear (separable, triangle filter widened by the scale when
// downscaling, half-pixel centres) → round half to even → u8 [C, oh, ow]. Same size: a copy.
Tensor resize_bilinear_antialias_u8(const Tensor& image, int oh, int ow);
// torchvision.ops.roi_align. x: [B, C, H, W], boxes: [N, 5] (batch index, x0, y0, x1, y1) in input
// pixels before spatial_scale; sampling_ratio ≤ 0 = adaptive (⌈roi/out⌉ samples per bin).
// → [N, C, out_h, out_w]
Tensor roi_align(const Tensor& x, const Tensor& boxes, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned);
// F.grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False).
// x: [B, C, H, W], grid: [B, Ho, Wo, 2] (x, y in [−1, 1]) → [B, C, Ho, Wo]
Tensor grid_sample(const Tensor& x, const Tensor& grid);

// --- reductions, gathers, shape ops ----------------------------------------------------------
// Mean over the token dimension of the valid tokens. x: [B, L, C], padding_mask: u8 [B, L]
// (1 = padding) → [B, C]; divides by max(#valid, 1).
Tensor masked_mean(const Tensor& x, const Tensor& padding_mask);
Tensor concat(const std::vector<Tensor>& xs, int dim);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int dim);  // views
// weight: [V, C], ids: i32 [...] → [..., C]; an id outside [0, V) throws.
Tensor embedding(const Tensor& weight, const Tensor& ids);

}  // namespace sam3rt::ops
