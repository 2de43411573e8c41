// Reference resampling: PyTorch interpolate (nearest, bilinear, antialiased bilinear), torchvision
// roi_align and F.grid_sample, written per output element with the reference's f32 coordinate
// arithmetic.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu-kernels.h"

namespace sam3rt::cpu::ref {
namespace {

// ref: ATen UpSample.h area_pixel_compute_source_index (align_corners=False, not cubic)
float bilinear_source(float scale, int64_t dst) {
  const float src = scale * (static_cast<float>(dst) + 0.5f) - 0.5f;
  return src < 0.f ? 0.f : src;
}

// ref: torchvision/csrc/ops/cpu/roi_align_kernel.cpp bilinear_interpolate
float roi_bilinear(const float* plane, int64_t height, int64_t width, float y, float x) {
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
  const float ly = y - static_cast<float>(y_low), lx = x - static_cast<float>(x_low);
  const float hy = 1.f - ly, hx = 1.f - lx;
  const float w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
  return w1 * plane[y_low * width + x_low] + w2 * plane[y_low * width + x_high] +
         w3 * plane[y_high * width + x_low] + w4 * plane[y_high * width + x_high];
}

// --- antialiased bilinear ------------------------------------------------------------------------
// ref: aten/src/ATen/native/cpu/UpSampleKernel.cpp (upsample_bilinear2d_aa_kernel_impl →
// separable_upsample_generic_Nd_kernel_impl, float data). Every operation is the one ATen's float
// instantiation performs, in its types: the literals 0.5 and 1.0 are doubles there, so some steps
// run in double and are rounded back to float where ATen stores them in a float.

// ref: HelperInterpLinear::aa_filter<float>. `1.0 − x` is a double subtraction rounded to float on
// return (the same float as 1.f − x: double rounding is harmless for one subtraction).
float aa_triangle(float x) {
  x = std::fabs(x);
  return x < 1.f ? static_cast<float>(1.0 - static_cast<double>(x)) : 0.f;
}

// Output index i's window along an axis of `in` inputs resized to `out`: inputs [xmin, xmin + w.size())
// with weights w. ref: HelperInterpBase::_compute_index_ranges_weights and
// _compute_indices_min_size_weights_aa with scalar_t = float.
void aa_window(int64_t in, int64_t out, int64_t i, int64_t& xmin, std::vector<float>& w) {
  // area_pixel_compute_scale (align_corners=False, no scale factor given): float(in) / out
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  // support = (interp_size · 0.5) · scale with interp_size 2 when downscaling, else 1
  const float support = scale >= 1.f ? scale : 1.f;
  const int64_t max_size = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.f;
  // center = scale · (i + 0.5): a double product stored as float
  const float center = static_cast<float>(static_cast<double>(scale) * (static_cast<double>(i) + 0.5));
  // (center ∓ support) in float, + 0.5 in double, then int64_t: truncation toward zero, not floor
  xmin = std::max<int64_t>(static_cast<int64_t>(static_cast<double>(center - support) + 0.5), 0);
  int64_t xsize =
      std::min<int64_t>(static_cast<int64_t>(static_cast<double>(center + support) + 0.5), in) - xmin;
  xsize = std::clamp<int64_t>(xsize, 0, max_size);  // ATen clips the rare one-too-many
  w.assign(static_cast<size_t>(xsize), 0.f);
  float total = 0.f;
  for (int64_t j = 0; j < xsize; ++j) {
    // (j + xmin − center + 0.5) · invscale: the int64 − float difference in float, the rest in
    // double, rounded to float as the filter's argument
    const float d = static_cast<float>(j + xmin) - center;
    w[j] = aa_triangle(static_cast<float>((static_cast<double>(d) + 0.5) * static_cast<double>(invscale)));
    total += w[j];
  }
  if (total != 0.f)
    for (float& v : w) v /= total;
}

// ref: interpolate_aa_single_dim(_zero_strides): `output = t0·w0`, then `output += t·w` per tap,
// which GCC contracts to one fma in ATen's AVX2/AVX512 builds (-mfma; C++ code is compiled with
// -ffp-contract=fast by default), the builds x86-64 wheels run on any AVX2 CPU, and on aarch64.
// Written with std::fma so that this oracle rounds the same way whatever flags build it. (ATen's
// DEFAULT build, only used on CPUs without AVX2, rounds each product: ≤ 1 ulp per tap apart.)
float aa_dot(const float* src, int64_t stride, const std::vector<float>& w) {
  if (w.empty()) return 0.f;  // cannot happen: the tap under the centre always has weight > 0
  float acc = src[0] * w[0];
  for (size_t j = 1; j < w.size(); ++j) acc = std::fma(src[static_cast<int64_t>(j) * stride], w[j], acc);
  return acc;
}

}  // namespace

// x: [B, C, H, W] → [B, C, oh, ow]; src = min(⌊dst·(in/out)⌋, in−1) in f32 (PyTorch 'nearest')
Tensor interpolate_nearest(const Tensor& x_in, int oh, int ow) {
  Tensor x = x_in.contiguous();
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const float sh = static_cast<float>(H) / static_cast<float>(oh), sw = static_cast<float>(W) / static_cast<float>(ow);
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow});
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t p = 0; p < P; ++p)
    for (int64_t oy = 0; oy < oh; ++oy) {
      const int64_t iy = std::min(static_cast<int64_t>(std::floor(static_cast<float>(oy) * sh)), H - 1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t ix = std::min(static_cast<int64_t>(std::floor(static_cast<float>(ox) * sw)), W - 1);
        yp[(p * oh + oy) * ow + ox] = xp[(p * H + iy) * W + ix];
      }
    }
  return y;
}

// x: [B, C, H, W] → [B, C, oh, ow]; bilinear, align_corners=False, half-pixel centres
Tensor interpolate_bilinear(const Tensor& x_in, int oh, int ow) {
  Tensor x = x_in.contiguous();
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const float sh = static_cast<float>(H) / static_cast<float>(oh), sw = static_cast<float>(W) / static_cast<float>(ow);
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow});
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t p = 0; p < P; ++p)
    for (int64_t oy = 0; oy < oh; ++oy) {
      const float fy = bilinear_source(sh, oy);
      const int64_t y0 = static_cast<int64_t>(fy), y1 = y0 + (y0 < H - 1 ? 1 : 0);
      const float ly = fy - static_cast<float>(y0), hy = 1.f - ly;
      for (int64_t ox = 0; ox < ow; ++ox) {
        const float fx = bilinear_source(sw, ox);
        const int64_t x0 = static_cast<int64_t>(fx), x1 = x0 + (x0 < W - 1 ? 1 : 0);
        const float lx = fx - static_cast<float>(x0), hx = 1.f - lx;
        const float* pl = xp + p * H * W;
        yp[(p * oh + oy) * ow + ox] = hy * (hx * pl[y0 * W + x0] + lx * pl[y0 * W + x1]) +
                                      ly * (hx * pl[y1 * W + x0] + lx * pl[y1 * W + x1]);
      }
    }
  return y;
}

// ref: UpSampleKernel.cpp separable_upsample_generic_Nd_kernel_impl. Same order of passes as
// ATen's CPU kernel: equal sizes → a copy; otherwise the width (contiguous) pass into a float
// temporary [B, C, H, ow], then the height pass over it; a pass whose size does not change is
// skipped (a copy, not a run with delta weights: the same floats, except that 0·inf = NaN would
// leak a neighbour's infinity). x: [B, C, H, W] → [B, C, oh, ow]
Tensor interpolate_bilinear_antialias(const Tensor& x_in, int oh, int ow) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3), P = B * C;
  if (oh == H && ow == W) return x_in.clone();
  Tensor t = x_in.contiguous();
  int64_t xmin = 0;
  std::vector<float> w;
  if (ow != W) {  // width pass: [P, H, W] → [P, H, ow]
    Tensor u = Tensor::empty({B, C, H, ow});
    const float* tp = t.data<float>();
    float* up = u.data<float>();
    for (int64_t ox = 0; ox < ow; ++ox) {
      aa_window(W, ow, ox, xmin, w);
      for (int64_t r = 0; r < P * H; ++r) up[r * ow + ox] = aa_dot(tp + r * W + xmin, 1, w);
    }
    t = u;
  }
  if (oh != H) {  // height pass: [P, H, ow] → [P, oh, ow]
    Tensor u = Tensor::empty({B, C, oh, ow});
    const float* tp = t.data<float>();
    float* up = u.data<float>();
    for (int64_t oy = 0; oy < oh; ++oy) {
      aa_window(H, oh, oy, xmin, w);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t ox = 0; ox < ow; ++ox)
          up[(p * oh + oy) * ow + ox] = aa_dot(tp + (p * H + xmin) * ow + ox, ow, w);
    }
    t = u;
  }
  return t;
}

// ref: torchvision/csrc/ops/cpu/roi_align_kernel.cpp roi_align_forward_kernel_impl
// x: [B, C, H, W], boxes: [N, 5] (batch, x0, y0, x1, y1) → [N, C, out_h, out_w]
Tensor roi_align(const Tensor& x_in, const Tensor& boxes_in, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned) {
  Tensor x = x_in.contiguous(), boxes = boxes_in.contiguous();
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3), N = boxes.size(0);
  Tensor y = Tensor::empty({N, C, out_h, out_w});
  const float* xp = x.data<float>();
  const float* bp = boxes.data<float>();
  float* yp = y.data<float>();
  const float offset = aligned ? 0.5f : 0.f;
  for (int64_t n = 0; n < N; ++n) {
    const float* box = bp + n * 5;
    const int64_t batch = static_cast<int64_t>(box[0]);
    const float x0 = box[1] * spatial_scale - offset, y0 = box[2] * spatial_scale - offset;
    const float x1 = box[3] * spatial_scale - offset, y1 = box[4] * spatial_scale - offset;
    float roi_w = x1 - x0, roi_h = y1 - y0;
    if (!aligned) {
      roi_w = std::max(roi_w, 1.f);
      roi_h = std::max(roi_h, 1.f);
    }
    const float bin_h = roi_h / static_cast<float>(out_h), bin_w = roi_w / static_cast<float>(out_w);
    const int64_t grid_h = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_h / out_h));
    const int64_t grid_w = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_w / out_w));
    const float count = static_cast<float>(std::max<int64_t>(grid_h * grid_w, 1));
    for (int64_t c = 0; c < C; ++c) {
      const float* plane = xp + (batch * C + c) * H * W;
      for (int64_t ph = 0; ph < out_h; ++ph)
        for (int64_t pw = 0; pw < out_w; ++pw) {
          float sum = 0.f;
          for (int64_t iy = 0; iy < grid_h; ++iy) {
            const float yy = y0 + static_cast<float>(ph) * bin_h +
                             (static_cast<float>(iy) + 0.5f) * bin_h / static_cast<float>(grid_h);
            for (int64_t ix = 0; ix < grid_w; ++ix) {
              const float xx = x0 + static_cast<float>(pw) * bin_w +
                               (static_cast<float>(ix) + 0.5f) * bin_w / static_cast<float>(grid_w);
              sum += roi_bilinear(plane, H, W, yy, xx);
            }
          }
          yp[((n * C + c) * out_h + ph) * out_w + pw] = sum / count;
        }
    }
  }
  return y;
}

// ref: ATen GridSampler grid_sampler_2d (bilinear, zeros, align_corners=False)
// x: [B, C, H, W], grid: [B, Ho, Wo, 2] → [B, C, Ho, Wo]
Tensor grid_sample(const Tensor& x_in, const Tensor& grid_in) {
  Tensor x = x_in.contiguous(), grid = grid_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = grid.size(1), Wo = grid.size(2);
  Tensor y = Tensor::empty({B, C, Ho, Wo});
  const float* xp = x.data<float>();
  const float* gp = grid.data<float>();
  float* yp = y.data<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        const float gx = gp[((b * Ho + oy) * Wo + ox) * 2], gy = gp[((b * Ho + oy) * Wo + ox) * 2 + 1];
        const float ix = ((gx + 1.f) * static_cast<float>(W) - 1.f) / 2.f;
        const float iy = ((gy + 1.f) * static_cast<float>(H) - 1.f) / 2.f;
        const int64_t x_w = static_cast<int64_t>(std::floor(ix)), y_n = static_cast<int64_t>(std::floor(iy));
        const int64_t x_e = x_w + 1, y_s = y_n + 1;
        const float w_nw = (static_cast<float>(x_e) - ix) * (static_cast<float>(y_s) - iy);
        const float w_ne = (ix - static_cast<float>(x_w)) * (static_cast<float>(y_s) - iy);
        const float w_sw = (static_cast<float>(x_e) - ix) * (iy - static_cast<float>(y_n));
        const float w_se = (ix - static_cast<float>(x_w)) * (iy - static_cast<float>(y_n));
        auto inside = [&](int64_t yy, int64_t xx) { return yy >= 0 && yy < H && xx >= 0 && xx < W; };
        for (int64_t c = 0; c < C; ++c) {
          const float* pl = xp + (b * C + c) * H * W;
          float v = 0.f;
          if (inside(y_n, x_w)) v += pl[y_n * W + x_w] * w_nw;
          if (inside(y_n, x_e)) v += pl[y_n * W + x_e] * w_ne;
          if (inside(y_s, x_w)) v += pl[y_s * W + x_w] * w_sw;
          if (inside(y_s, x_e)) v += pl[y_s * W + x_e] * w_se;
          yp[((b * C + c) * Ho + oy) * Wo + ox] = v;
        }
      }
  return y;
}

}  // namespace sam3rt::cpu::ref
