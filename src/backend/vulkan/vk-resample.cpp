// Resampling on a Vulkan device: nearest, bilinear and antialiased bilinear resize, RoIAlign and
// grid_sample.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt::vk {

namespace {

int32_t off(const Tensor& t) { return to_i32(t.offset(), "offset"); }
int32_t i32(int64_t v) { return to_i32(v, "a size"); }

Tensor resize(const Tensor& x_in, int oh, int ow, int mode) {
  const Tensor x = x_in.contiguous();
  const int64_t H = x.size(2), W = x.size(3);
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  struct {
    int32_t n, H, W, oh, ow, x_off, mode;
  } push{i32(y.numel()), i32(H), i32(W), oh, ow, off(x), mode};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(x), "interpolate", {in(x), out(y)}, push, g.x, g.y);
  return y;
}

// The antialiased resize's tap window of output index i along an axis of `in` inputs resized to
// `out`, computed as the reference computes it (the same operations in the same types).
// ref: backend/cpu/reference/ref-resample.cpp aa_window, aa_triangle
void aa_window(int64_t in, int64_t out, int64_t i, int64_t& xmin, std::vector<float>& w) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float support = scale >= 1.f ? scale : 1.f;
  const int64_t max_size = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.f;
  const float center = static_cast<float>(static_cast<double>(scale) * (static_cast<double>(i) + 0.5));
  xmin = std::max<int64_t>(static_cast<int64_t>(static_cast<double>(center - support) + 0.5), 0);
  int64_t xsize =
      std::min<int64_t>(static_cast<int64_t>(static_cast<double>(center + support) + 0.5), in) - xmin;
  xsize = std::clamp<int64_t>(xsize, 0, max_size);
  w.assign(static_cast<size_t>(xsize), 0.f);
  float total = 0.f;
  for (int64_t j = 0; j < xsize; ++j) {
    const float d = static_cast<float>(j + xmin) - center;
    float a = std::fabs(static_cast<float>((static_cast<double>(d) + 0.5) * static_cast<double>(invscale)));
    w[static_cast<size_t>(j)] = a < 1.f ? static_cast<float>(1.0 - static_cast<double>(a)) : 0.f;
    total += w[static_cast<size_t>(j)];
  }
  if (total != 0.f)
    for (float& v : w) v /= total;
}

// One axis pass: x: [P, I, Q] → [P, O, Q] (contiguous).
Tensor aa_pass(const Tensor& x, const Shape& out_shape, int64_t P, int64_t I, int64_t O, int64_t Q) {
  int64_t record = 2;
  std::vector<std::vector<float>> weights(static_cast<size_t>(O));
  std::vector<int64_t> starts(static_cast<size_t>(O));
  for (int64_t o = 0; o < O; ++o) {
    aa_window(I, O, o, starts[static_cast<size_t>(o)], weights[static_cast<size_t>(o)]);
    record = std::max<int64_t>(record, 2 + static_cast<int64_t>(weights[static_cast<size_t>(o)].size()));
  }
  std::vector<int32_t> words(static_cast<size_t>(O * record), 0);
  for (int64_t o = 0; o < O; ++o) {
    int32_t* r = words.data() + o * record;
    const std::vector<float>& w = weights[static_cast<size_t>(o)];
    r[0] = i32(starts[static_cast<size_t>(o)]);
    r[1] = i32(static_cast<int64_t>(w.size()));
    std::memcpy(r + 2, w.data(), w.size() * sizeof(float));
  }
  const Tensor win = Tensor::from_vector_i32({O * record}, words).to(x.device());
  Tensor y = Tensor::empty(out_shape, DType::kF32, x.device());
  struct {
    int32_t n, I, O, Q, x_off, win_off, record;
  } push{i32(P * O * Q), i32(I), i32(O), i32(Q), off(x), off(win), i32(record)};
  const Groups g = groups_for(P * O * Q, 256);
  const char* shader = limits(device_index(x)).float64 ? "resize_aa_pass_f64" : "resize_aa_pass";
  dispatch(device_index(x), shader, {in(x), in(win), out(y)}, push, g.x, g.y);
  return y;
}

}  // namespace

Tensor interpolate_nearest(const Tensor& x, int oh, int ow) { return resize(x, oh, ow, 0); }
Tensor interpolate_bilinear(const Tensor& x, int oh, int ow) { return resize(x, oh, ow, 1); }

// Width pass, then height pass; a pass whose size does not change is skipped, as in the reference.
// ref: backend/cpu/reference/ref-resample.cpp interpolate_bilinear_antialias
Tensor interpolate_bilinear_antialias(const Tensor& x_in, int oh, int ow) {
  const int64_t B = x_in.size(0), C = x_in.size(1), H = x_in.size(2), W = x_in.size(3);
  if (oh == H && ow == W) return x_in.clone();
  Tensor t = x_in.contiguous();
  if (B * C == 0) return Tensor::empty({B, C, oh, ow}, DType::kF32, x_in.device());
  if (ow != W) t = aa_pass(t, {B, C, H, ow}, B * C * H, W, ow, 1);
  if (oh != H) t = aa_pass(t, {B, C, oh, ow}, B * C, H, oh, ow);
  return t;
}

Tensor roi_align(const Tensor& x_in, const Tensor& boxes_in, int out_h, int out_w, float spatial_scale,
                 int sampling_ratio, bool aligned) {
  const Tensor x = x_in.contiguous(), boxes = boxes_in.contiguous();
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3), N = boxes.size(0);
  Tensor y = Tensor::empty({N, C, out_h, out_w}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  struct {
    int32_t n, C, H, W, out_h, out_w, sampling_ratio, aligned, x_off, b_off;
    float spatial_scale;
  } push{i32(y.numel()), i32(C),  i32(H), i32(W),     out_h,        out_w,
         sampling_ratio, aligned, off(x), off(boxes), spatial_scale};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(x), "roi_align", {in(x), in(boxes), out(y)}, push, g.x, g.y);
  return y;
}

Tensor grid_sample(const Tensor& x_in, const Tensor& grid_in) {
  const Tensor x = x_in.contiguous(), grid = grid_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), Ho = grid.size(1),
                Wo = grid.size(2);
  Tensor y = Tensor::empty({B, C, Ho, Wo}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  struct {
    int32_t n, C, H, W, Ho, Wo, x_off, g_off;
  } push{i32(y.numel()), i32(C), i32(H), i32(W), i32(Ho), i32(Wo), off(x), off(grid)};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(x), "grid_sample", {in(x), in(grid), out(y)}, push, g.x, g.y);
  return y;
}

}  // namespace sam3rt::vk
