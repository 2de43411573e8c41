// ref: torchvision/transforms/v2/functional/_geometry.py resize_image (uint8 on CUDA: cast to
// float32, interpolate(bilinear, antialias=True), round_, cast back) and
// aten/src/ATen/native/cuda/UpSampleBilinear2d.cu upsample_gen2d_aa_out_frame with
// UpSample.cuh upsample_antialias::{_compute_weights_span, _compute_weights,
// interpolate_aa_single_dim}.
//
// Every step is done in float32 in the CUDA kernel's order so that the rounded result matches it
// bit for bit wherever the float sums agree: the kernel filters each input row of the window
// horizontally, then combines those row values vertically; the accumulations are fused
// multiply-adds (nvcc contracts `out += t * w`), written here as std::fma. Filtering every input
// row horizontally once and reusing it for all output rows gives the same floats, since a row's
// horizontal value does not depend on the output row.
#include "backend/cpu/resize-antialias.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

// Triangle filter of PyTorch's BilinearFilterFunctor (support 1 before widening).
inline float triangle(float x) {
  if (x < 0.f) x = -x;
  if (x < 1.f) return 1.f - x;
  return 0.f;
}

// a·b rounded once to float, never fused with a neighbouring add.
inline float mul_rounded(float a, float b) { return static_cast<float>(static_cast<double>(a) * b); }

// Per-output-index window start, length and normalised weights along one axis.
struct AxisWeights {
  std::vector<int> start;
  std::vector<int> size;
  std::vector<float> weights;  // [out][max_size]
  int max_size = 0;
};

// ref: UpSample.cuh upsample_antialias::_compute_weights_span and _compute_weights
AxisWeights compute_axis_weights(int in_size, int out_size) {
  AxisWeights a;
  // area_pixel_compute_scale with no scale factor: float(in) / out (0 when out == 1 is the
  // align_corners branch only; out > 1 or not, align_corners=False gives in/out).
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float support = scale >= 1.f ? 1.f * scale : 1.f;  // filter size 2 × 0.5, widened when downscaling
  a.max_size = static_cast<int>(std::ceil(support)) * 2 + 1;
  // The kernel computes 1.0 / scale in double (a double literal), then stores it as float.
  const float invscale = scale >= 1.f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.f;
  a.start.resize(out_size);
  a.size.resize(out_size);
  a.weights.assign(static_cast<size_t>(out_size) * a.max_size, 0.f);
  for (int i = 0; i < out_size; ++i) {
    // center = scale·(i + ½) is never rounded on its own: nvcc contracts it into each use, so
    // center ± support and xmin − center are single fmas (written out here, so that the result
    // does not depend on this compiler's -ffp-contract or optimisation level).
    const float i_half = static_cast<float>(i) + 0.5f;
    // static_cast<int> truncates toward zero, as the kernel does (not floor).
    const int xmin = std::max(static_cast<int>(std::fma(scale, i_half, -support) + 0.5f), 0);
    const int xsize = std::min(static_cast<int>(std::fma(scale, i_half, support) + 0.5f), in_size) - xmin;
    a.start[i] = xmin;
    a.size[i] = xsize;
    float* w = &a.weights[static_cast<size_t>(i) * a.max_size];
    const float xmin_m_center = std::fma(-scale, i_half, static_cast<float>(xmin));
    float total = 0.f;
    for (int j = 0; j < xsize; ++j) {
      // The filter argument's product is rounded on its own (the kernel passes it to the filter).
      const float arg = mul_rounded(static_cast<float>(j) + xmin_m_center + 0.5f, invscale);
      w[j] = triangle(arg);
      total += w[j];
    }
    if (total != 0.f)
      for (int j = 0; j < xsize; ++j) w[j] /= total;
  }
  return a;
}

// ref: UpSample.cuh upsample_antialias::interpolate_aa_single_dim — first product, then fmas.
inline float interpolate_1d(const float* src, std::ptrdiff_t stride, const float* w, int n) {
  float out = src[0] * w[0];
  for (int j = 1; j < n; ++j) out = std::fma(src[j * stride], w[j], out);
  return out;
}

}  // namespace

// src: [C, H, W] u8 → dst: [C, oh, ow] u8
void resize_bilinear_antialias_u8(const uint8_t* src, int channels, int height, int width, uint8_t* dst,
                                  int out_height, int out_width) {
  if (height == out_height && width == out_width) {  // torchvision returns the image unchanged
    std::copy(src, src + static_cast<size_t>(channels) * height * width, dst);
    return;
  }
  const AxisWeights wx = compute_axis_weights(width, out_width);
  const AxisWeights wy = compute_axis_weights(height, out_height);
  parallel_for(channels, 1, [&](int64_t c0, int64_t c1) {
    std::vector<float> row(width);
    std::vector<float> horiz(static_cast<size_t>(height) * out_width);  // [H, ow]
    for (int64_t c = c0; c < c1; ++c) {
      const uint8_t* plane = src + static_cast<size_t>(c) * height * width;
      // horiz: [H, ow] — every input row filtered along x (float, as the kernel's buffer2)
      for (int y = 0; y < height; ++y) {
        const uint8_t* r = plane + static_cast<size_t>(y) * width;
        for (int x = 0; x < width; ++x) row[x] = static_cast<float>(r[x]);
        float* h = &horiz[static_cast<size_t>(y) * out_width];
        for (int ox = 0; ox < out_width; ++ox)
          h[ox] = interpolate_1d(row.data() + wx.start[ox], 1, &wx.weights[static_cast<size_t>(ox) * wx.max_size],
                                 wx.size[ox]);
      }
      uint8_t* out = dst + static_cast<size_t>(c) * out_height * out_width;
      for (int oy = 0; oy < out_height; ++oy) {
        const float* col0 = &horiz[static_cast<size_t>(wy.start[oy]) * out_width];
        const float* w = &wy.weights[static_cast<size_t>(oy) * wy.max_size];
        for (int ox = 0; ox < out_width; ++ox) {
          const float v = interpolate_1d(col0 + ox, out_width, w, wy.size[oy]);
          // torchvision: round_() (half to even, the default rounding mode), then the uint8 cast;
          // the clamp only guards float noise at the ends of the range.
          const float r = std::nearbyint(v);
          out[static_cast<size_t>(oy) * out_width + ox] = static_cast<uint8_t>(std::clamp(r, 0.f, 255.f));
        }
      }
    }
  });
}

}  // namespace sam3rt::cpu
