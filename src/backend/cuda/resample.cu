// CUDA resampling: nearest and bilinear interpolation (PyTorch, align_corners=False), torchvision
// roi_align, and grid_sample (bilinear, zeros padding, align_corners=False). One thread per output
// element; inputs are read in place through their strides.
// ref: backend/cpu/reference/ref-resample.cpp. Coordinates and weights are computed with the
// reference's f32 operations in the reference's order, with explicit round-to-nearest intrinsics
// (__fmul_rn, __fadd_rn, ...): nvcc would otherwise contract a·b + c into one fma, which rounds
// differently from the reference (built without contraction) and can move a source index by one
// at a boundary. So sample positions are bit-identical, and so are the results.
#include <cmath>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"

namespace sam3rt::cuda {
namespace {

__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ inline float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ inline float div_rn(float a, float b) { return __fdiv_rn(a, b); }

// Strides of an NCHW view, in elements.
struct Strides4 {
  int64_t n, c, h, w;
};
Strides4 strides4(const Tensor& t) { return {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}; }

// ref: ref-resample.cpp interpolate_nearest: src = min(⌊dst · (in/out)⌋, in − 1)
// x: [B, C, H, W] → y: contiguous [B, C, oh, ow]
__global__ void nearest_kernel(const float* x, Strides4 xs, float* y, int64_t C, int64_t H, int64_t W,
                               int64_t oh, int64_t ow, float sh, float sw, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = i % ow, oy = (i / ow) % oh, p = i / (ow * oh), c = p % C, b = p / C;
    const int64_t iy = min(static_cast<int64_t>(floorf(mul_rn(static_cast<float>(oy), sh))), H - 1);
    const int64_t ix = min(static_cast<int64_t>(floorf(mul_rn(static_cast<float>(ox), sw))), W - 1);
    y[i] = x[b * xs.n + c * xs.c + iy * xs.h + ix * xs.w];
  }
}

// ref: ref-resample.cpp bilinear_source (ATen area_pixel_compute_source_index, align_corners=False)
__device__ inline float bilinear_source(float scale, int64_t dst) {
  const float src = sub_rn(mul_rn(scale, add_rn(static_cast<float>(dst), 0.5f)), 0.5f);
  return src < 0.f ? 0.f : src;
}

// x: [B, C, H, W] → y: contiguous [B, C, oh, ow]
__global__ void bilinear_kernel(const float* x, Strides4 xs, float* y, int64_t C, int64_t H, int64_t W,
                                int64_t oh, int64_t ow, float sh, float sw, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = i % ow, oy = (i / ow) % oh, p = i / (ow * oh), c = p % C, b = p / C;
    const float fy = bilinear_source(sh, oy);
    const int64_t y0 = static_cast<int64_t>(fy), y1 = y0 + (y0 < H - 1 ? 1 : 0);
    const float ly = sub_rn(fy, static_cast<float>(y0)), hy = sub_rn(1.f, ly);
    const float fx = bilinear_source(sw, ox);
    const int64_t x0 = static_cast<int64_t>(fx), x1 = x0 + (x0 < W - 1 ? 1 : 0);
    const float lx = sub_rn(fx, static_cast<float>(x0)), hx = sub_rn(1.f, lx);
    const float* pl = x + b * xs.n + c * xs.c;
    const float v00 = pl[y0 * xs.h + x0 * xs.w], v01 = pl[y0 * xs.h + x1 * xs.w];
    const float v10 = pl[y1 * xs.h + x0 * xs.w], v11 = pl[y1 * xs.h + x1 * xs.w];
    // hy·(hx·v00 + lx·v01) + ly·(hx·v10 + lx·v11)
    y[i] = add_rn(mul_rn(hy, add_rn(mul_rn(hx, v00), mul_rn(lx, v01))),
                  mul_rn(ly, add_rn(mul_rn(hx, v10), mul_rn(lx, v11))));
  }
}

// ref: ref-resample.cpp roi_bilinear (torchvision roi_align_kernel.cpp bilinear_interpolate).
// `plane` is one channel with strides (sh, sw).
__device__ inline float roi_bilinear(const float* plane, int64_t sh, int64_t sw, int64_t height,
                                     int64_t width, float y, float x) {
  if (y < -1.0f || y > static_cast<float>(height) || x < -1.0f || x > static_cast<float>(width)) return 0.f;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x), y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<float>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<float>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const float ly = sub_rn(y, static_cast<float>(y_low)), lx = sub_rn(x, static_cast<float>(x_low));
  const float hy = sub_rn(1.f, ly), hx = sub_rn(1.f, lx);
  const float w1 = mul_rn(hy, hx), w2 = mul_rn(hy, lx), w3 = mul_rn(ly, hx), w4 = mul_rn(ly, lx);
  // ((w1·v1 + w2·v2) + w3·v3) + w4·v4, left to right as the reference
  float v = add_rn(mul_rn(w1, plane[y_low * sh + x_low * sw]), mul_rn(w2, plane[y_low * sh + x_high * sw]));
  v = add_rn(v, mul_rn(w3, plane[y_high * sh + x_low * sw]));
  return add_rn(v, mul_rn(w4, plane[y_high * sh + x_high * sw]));
}

// ref: ref-resample.cpp roi_align (torchvision roi_align_forward_kernel_impl)
// x: [B, C, H, W], boxes: contiguous [N, 5] (batch, x0, y0, x1, y1) → y: contiguous [N, C, out_h, out_w]
__global__ void roi_align_kernel(const float* x, Strides4 xs, const float* boxes, float* y, int64_t C,
                                 int64_t H, int64_t W, int64_t out_h, int64_t out_w, float spatial_scale,
                                 int sampling_ratio, bool aligned, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t pw = i % out_w, ph = (i / out_w) % out_h, q = i / (out_w * out_h), c = q % C, r = q / C;
    const float* box = boxes + r * 5;
    const int64_t batch = static_cast<int64_t>(box[0]);
    const float offset = aligned ? 0.5f : 0.f;
    const float x0 = sub_rn(mul_rn(box[1], spatial_scale), offset),
                y0 = sub_rn(mul_rn(box[2], spatial_scale), offset);
    const float x1 = sub_rn(mul_rn(box[3], spatial_scale), offset),
                y1 = sub_rn(mul_rn(box[4], spatial_scale), offset);
    float roi_w = sub_rn(x1, x0), roi_h = sub_rn(y1, y0);
    if (!aligned) {  // std::max(roi, 1.f)
      roi_w = roi_w < 1.f ? 1.f : roi_w;
      roi_h = roi_h < 1.f ? 1.f : roi_h;
    }
    const float bin_h = div_rn(roi_h, static_cast<float>(out_h)),
                bin_w = div_rn(roi_w, static_cast<float>(out_w));
    // adaptive: ⌈roi / out⌉ samples per bin (roi / out in f32 is bin_h / bin_w)
    const int64_t grid_h = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(ceilf(bin_h));
    const int64_t grid_w = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(ceilf(bin_w));
    const int64_t samples = grid_h * grid_w;
    const float count = static_cast<float>(samples > 1 ? samples : 1);
    const float* plane = x + batch * xs.n + c * xs.c;
    float sum = 0.f;
    for (int64_t iy = 0; iy < grid_h; ++iy) {
      // y0 + ph·bin_h + (iy + 0.5)·bin_h / grid_h
      const float yy =
          add_rn(add_rn(y0, mul_rn(static_cast<float>(ph), bin_h)),
                 div_rn(mul_rn(add_rn(static_cast<float>(iy), 0.5f), bin_h), static_cast<float>(grid_h)));
      for (int64_t ix = 0; ix < grid_w; ++ix) {
        const float xx =
            add_rn(add_rn(x0, mul_rn(static_cast<float>(pw), bin_w)),
                   div_rn(mul_rn(add_rn(static_cast<float>(ix), 0.5f), bin_w), static_cast<float>(grid_w)));
        sum = add_rn(sum, roi_bilinear(plane, xs.h, xs.w, H, W, yy, xx));
      }
    }
    y[i] = div_rn(sum, count);
  }
}

// ref: ref-resample.cpp grid_sample (ATen grid_sampler_2d: bilinear, zeros, align_corners=False)
// x: [B, C, H, W], grid: [B, Ho, Wo, 2] (strides gs, last dim (gx, gy) in [−1, 1]) → y: contiguous
// [B, C, Ho, Wo]
__global__ void grid_sample_kernel(const float* x, Strides4 xs, const float* grid, Strides4 gs, float* y,
                                   int64_t C, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = i % Wo, oy = (i / Wo) % Ho, q = i / (Wo * Ho), c = q % C, b = q / C;
    const float* g = grid + b * gs.n + oy * gs.c + ox * gs.h;  // gs: strides of [B, Ho, Wo, 2]
    const float gx = g[0], gy = g[gs.w];
    // ((g + 1)·size − 1) / 2
    const float ix = div_rn(sub_rn(mul_rn(add_rn(gx, 1.f), static_cast<float>(W)), 1.f), 2.f);
    const float iy = div_rn(sub_rn(mul_rn(add_rn(gy, 1.f), static_cast<float>(H)), 1.f), 2.f);
    const int64_t x_w = static_cast<int64_t>(floorf(ix)), y_n = static_cast<int64_t>(floorf(iy));
    const int64_t x_e = x_w + 1, y_s = y_n + 1;
    const float w_nw = mul_rn(sub_rn(static_cast<float>(x_e), ix), sub_rn(static_cast<float>(y_s), iy));
    const float w_ne = mul_rn(sub_rn(ix, static_cast<float>(x_w)), sub_rn(static_cast<float>(y_s), iy));
    const float w_sw = mul_rn(sub_rn(static_cast<float>(x_e), ix), sub_rn(iy, static_cast<float>(y_n)));
    const float w_se = mul_rn(sub_rn(ix, static_cast<float>(x_w)), sub_rn(iy, static_cast<float>(y_n)));
    const float* pl = x + b * xs.n + c * xs.c;
    const bool in_n = y_n >= 0 && y_n < H, in_s = y_s >= 0 && y_s < H;
    const bool in_w = x_w >= 0 && x_w < W, in_e = x_e >= 0 && x_e < W;
    float v = 0.f;
    if (in_n && in_w) v = add_rn(v, mul_rn(pl[y_n * xs.h + x_w * xs.w], w_nw));
    if (in_n && in_e) v = add_rn(v, mul_rn(pl[y_n * xs.h + x_e * xs.w], w_ne));
    if (in_s && in_w) v = add_rn(v, mul_rn(pl[y_s * xs.h + x_w * xs.w], w_sw));
    if (in_s && in_e) v = add_rn(v, mul_rn(pl[y_s * xs.h + x_e * xs.w], w_se));
    y[i] = v;
  }
}

}  // namespace

// x: [B, C, H, W] → [B, C, oh, ow]
Tensor interpolate_nearest(const Tensor& x, int oh, int ow) {
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const int64_t H = x.size(2), W = x.size(3), n = y.numel();
  // scales computed on the host in f32, as the reference
  const float sh = static_cast<float>(H) / static_cast<float>(oh),
              sw = static_cast<float>(W) / static_cast<float>(ow);
  nearest_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(x.data<float>(), strides4(x), y.data<float>(),
                                                                x.size(1), H, W, oh, ow, sh, sw, n);
  check_launch("interpolate_nearest");
  return y;
}

// x: [B, C, H, W] → [B, C, oh, ow]
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow) {
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const int64_t H = x.size(2), W = x.size(3), n = y.numel();
  const float sh = static_cast<float>(H) / static_cast<float>(oh),
              sw = static_cast<float>(W) / static_cast<float>(ow);
  bilinear_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(
      x.data<float>(), strides4(x), y.data<float>(), x.size(1), H, W, oh, ow, sh, sw, n);
  check_launch("interpolate_bilinear");
  return y;
}

// x: [B, C, H, W], boxes: [N, 5] (batch, x0, y0, x1, y1; batch indices checked by the ops layer)
// → [N, C, out_h, out_w]
Tensor roi_align(const Tensor& x, const Tensor& boxes_in, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned) {
  Tensor y = Tensor::empty({boxes_in.size(0), x.size(1), out_h, out_w}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const Tensor boxes = boxes_in.contiguous();
  const int64_t n = y.numel();
  roi_align_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(
      x.data<float>(), strides4(x), boxes.data<float>(), y.data<float>(), x.size(1), x.size(2), x.size(3),
      out_h, out_w, spatial_scale, sampling_ratio, aligned, n);
  check_launch("roi_align");
  return y;
}

// x: [B, C, H, W], grid: [B, Ho, Wo, 2] → [B, C, Ho, Wo]
Tensor grid_sample(const Tensor& x, const Tensor& grid) {
  Tensor y = Tensor::empty({x.size(0), x.size(1), grid.size(1), grid.size(2)}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const int64_t n = y.numel();
  grid_sample_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(
      x.data<float>(), strides4(x), grid.data<float>(), strides4(grid), y.data<float>(), x.size(1), x.size(2),
      x.size(3), grid.size(1), grid.size(2), n);
  check_launch("grid_sample");
  return y;
}

}  // namespace sam3rt::cuda
