// CUDA antialiased bilinear interpolation (PyTorch F.interpolate(mode='bilinear',
// align_corners=False, antialias=True)).
// ref: backend/cpu/reference/ref-resample.cpp interpolate_bilinear_antialias, which follows ATen's
// CPU kernel (UpSampleKernel.cpp); this kernel reproduces it bit for bit:
// - the tap windows and weights of each axis are computed on the device, one thread per output
//   index, with the reference's operations in its types (double where ATen's CPU code promotes to
//   double, float elsewhere), written as round-to-nearest intrinsics so that nvcc cannot contract
//   them into fmas;
// - the width pass, then the height pass (a pass whose size does not change is skipped, equal sizes
//   are a copy), each output the first product then one fma per further tap, in tap order.
// PyTorch's own CUDA kernel (UpSampleBilinear2d.cu upsample_gen2d_aa_out_frame) has the same
// structure — per output pixel it filters each input row of the window along x into a float buffer,
// then combines those along y, with the same product-then-fma accumulation — but computes windows
// and weights in float with nvcc's contractions (xmin − centre = fma(−scale, i + ½, xmin), the filter
// argument in float) and never skips a pass. Measured on the host with both weight computations
// emulated: where s·(i + ½) is exact in float (288 ↔ 1152, 1008 → 1152, 720 or 1080 → 288) the
// weights are identical; otherwise the two round the centre differently (its ulp is 2⁻¹⁵ near 300),
// weights differ by up to ~1.4e-5 and a window may gain or lose an end tap of weight < 4e-6, so
// PyTorch's CUDA and CPU results differ by ~1e-5 relative (288² → 480×854: 1.0e-5, max 8e-4 on
// logits in ±20; 1080×1920 → 288²: 6.5e-6), not a few ulps. This kernel follows the CPU semantics,
// as every other kernel of the backend does.
#include <cmath>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"

namespace sam3rt::cuda {
namespace {

// Strides of an NCHW view, in elements.
struct Strides4 {
  int64_t n, c, h, w;
};
Strides4 strides4(const Tensor& t) { return {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}; }

// One axis resized from `in` to `out` samples: scale, support and 1/scale in float, computed on the
// host as the CPU kernels compute them.
struct Axis {
  int64_t in, out, max_size;
  float scale, support, invscale;
};

Axis make_axis(int64_t in, int64_t out) {
  Axis a;
  a.in = in;
  a.out = out;
  a.scale = static_cast<float>(in) / static_cast<float>(out);
  a.support = a.scale >= 1.f ? a.scale : 1.f;
  a.max_size = static_cast<int64_t>(std::ceil(a.support)) * 2 + 1;
  a.invscale = a.scale >= 1.f ? static_cast<float>(1.0 / static_cast<double>(a.scale)) : 1.f;
  return a;
}

// ref: ref-resample.cpp aa_triangle (1.0 − x in double, rounded to float)
__device__ inline float triangle(float x) {
  x = fabsf(x);
  return x < 1.f ? __double2float_rn(__dsub_rn(1.0, static_cast<double>(x))) : 0.f;
}

// ref: ref-resample.cpp aa_window. One thread per output index i: index[i] = window start,
// index[out + i] = window size, weights[i·max_size …] = the normalised weights.
__global__ void taps_kernel(Axis a, int* index, float* weights) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= a.out) return;
  const float center =
      __double2float_rn(__dmul_rn(static_cast<double>(a.scale), __dadd_rn(static_cast<double>(i), 0.5)));
  // truncation toward zero, as the CPU's static_cast<int64_t>
  const int64_t lo = static_cast<int64_t>(__dadd_rn(static_cast<double>(__fsub_rn(center, a.support)), 0.5));
  const int64_t hi = static_cast<int64_t>(__dadd_rn(static_cast<double>(__fadd_rn(center, a.support)), 0.5));
  const int64_t xmin = lo > 0 ? lo : 0;
  int64_t xsize = (hi < a.in ? hi : a.in) - xmin;
  xsize = xsize < 0 ? 0 : (xsize > a.max_size ? a.max_size : xsize);
  float* w = weights + i * a.max_size;
  float total = 0.f;
  for (int64_t j = 0; j < xsize; ++j) {
    const float d = __fsub_rn(static_cast<float>(j + xmin), center);
    w[j] = triangle(__double2float_rn(
        __dmul_rn(__dadd_rn(static_cast<double>(d), 0.5), static_cast<double>(a.invscale))));
    total = __fadd_rn(total, w[j]);
  }
  if (total != 0.f)
    for (int64_t j = 0; j < xsize; ++j) w[j] = __fdiv_rn(w[j], total);
  index[i] = static_cast<int>(xmin);
  index[a.out + i] = static_cast<int>(xsize);
}

// ref: ref-resample.cpp aa_dot — the first product, then one fma per further tap.
__device__ inline float tap_dot(const float* src, int64_t stride, const float* w, int n) {
  if (n == 0) return 0.f;
  float acc = __fmul_rn(src[0], w[0]);
  for (int j = 1; j < n; ++j) acc = __fmaf_rn(src[j * stride], w[j], acc);
  return acc;
}

// x: [B, C, H, W] view → y: contiguous [B, C, H, ow] (windows along W)
__global__ void width_kernel(const float* x, Strides4 xs, float* y, int64_t C, int64_t H, int64_t ow,
                             const int* index, const float* weights, int64_t max_size, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ox = i % ow, r = i / ow, iy = r % H, p = r / H, c = p % C, b = p / C;
    const float* src = x + b * xs.n + c * xs.c + iy * xs.h + index[ox] * xs.w;
    y[i] = tap_dot(src, xs.w, weights + ox * max_size, index[ow + ox]);
  }
}

// x: [B, C, H, W] view → y: contiguous [B, C, oh, W] (windows along H)
__global__ void height_kernel(const float* x, Strides4 xs, float* y, int64_t C, int64_t oh, int64_t W,
                              const int* index, const float* weights, int64_t max_size, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ix = i % W, oy = (i / W) % oh, p = i / (W * oh), c = p % C, b = p / C;
    const float* src = x + b * xs.n + c * xs.c + index[oy] * xs.h + ix * xs.w;
    y[i] = tap_dot(src, xs.h, weights + oy * max_size, index[oh + oy]);
  }
}

// The window starts and sizes (i32 [2, out]) and weights (f32 [out, max_size]) of one axis, on the
// device of `like`.
struct Taps {
  Tensor index, weights;
};

Taps device_taps(const Axis& a, const Tensor& like, cudaStream_t s) {
  Taps t{Tensor::empty({2, a.out}, DType::kI32, like.device()),
         Tensor::empty({a.out, a.max_size}, DType::kF32, like.device())};
  taps_kernel<<<blocks_for(a.out), kThreads, 0, s>>>(a, t.index.data<int32_t>(), t.weights.data<float>());
  check_launch("interpolate_bilinear_antialias (taps)");
  return t;
}

}  // namespace

// x: [B, C, H, W] → [B, C, oh, ow]
Tensor interpolate_bilinear_antialias(const Tensor& x, int oh, int ow) {
  const int index = device_index(x);
  DeviceGuard guard(index);
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  if (oh == H && ow == W) return x.clone();
  if (B * C == 0) return Tensor::empty({B, C, oh, ow}, DType::kF32, x.device());
  cudaStream_t s = stream(index);
  Tensor t = x;
  if (ow != W) {
    const Axis a = make_axis(W, ow);
    const Taps taps = device_taps(a, x, s);
    Tensor u = Tensor::empty({B, C, H, ow}, DType::kF32, x.device());
    const int64_t n = u.numel();
    width_kernel<<<blocks_for(n), kThreads, 0, s>>>(t.data<float>(), strides4(t), u.data<float>(), C, H, ow,
                                                    taps.index.data<int32_t>(), taps.weights.data<float>(),
                                                    a.max_size, n);
    check_launch("interpolate_bilinear_antialias (width)");
    t = u;
  }
  if (oh != H) {
    const Axis a = make_axis(H, oh);
    const Taps taps = device_taps(a, x, s);
    Tensor u = Tensor::empty({B, C, oh, ow}, DType::kF32, x.device());
    const int64_t n = u.numel();
    height_kernel<<<blocks_for(n), kThreads, 0, s>>>(t.data<float>(), strides4(t), u.data<float>(), C, oh, ow,
                                                     taps.index.data<int32_t>(), taps.weights.data<float>(),
                                                     a.max_size, n);
    check_launch("interpolate_bilinear_antialias (height)");
    t = u;
  }
  return t;
}

}  // namespace sam3rt::cuda
