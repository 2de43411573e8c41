#version 450
// torchvision RoIAlign: x: [B, C, H, W], boxes: [N, 5] (batch, x0, y0, x1, y1) contiguous →
// [N, C, out_h, out_w]; one invocation per output. ref: backend/cpu/reference/ref-resample.cpp
// roi_align, roi_bilinear
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Boxes { float boxes[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, H, W, out_h, out_w, sampling_ratio, aligned, x_off, b_off;
  float spatial_scale;
} p;
#include "common.glsl"

float roi_bilinear(int plane, float yy, float xx) {
  if (yy < -1.0 || yy > float(p.H) || xx < -1.0 || xx > float(p.W)) return 0.0;
  if (yy <= 0.0) yy = 0.0;
  if (xx <= 0.0) xx = 0.0;
  int y_low = int(yy), x_low = int(xx), y_high, x_high;
  if (y_low >= p.H - 1) {
    y_high = y_low = p.H - 1;
    yy = float(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= p.W - 1) {
    x_high = x_low = p.W - 1;
    xx = float(x_low);
  } else {
    x_high = x_low + 1;
  }
  const float ly = yy - float(y_low), lx = xx - float(x_low);
  const float hy = 1.0 - ly, hx = 1.0 - lx;
  const float w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
  return w1 * x[plane + y_low * p.W + x_low] + w2 * x[plane + y_low * p.W + x_high] +
         w3 * x[plane + y_high * p.W + x_low] + w4 * x[plane + y_high * p.W + x_high];
}

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int pw = int(i % uint(p.out_w)), ph = int((i / uint(p.out_w)) % uint(p.out_h));
  const int c = int((i / uint(p.out_w * p.out_h)) % uint(p.C)), nn = int(i / uint(p.out_w * p.out_h * p.C));
  const int bo = p.b_off + nn * 5;
  const int batch = int(boxes[bo]);
  const float offset = p.aligned != 0 ? 0.5 : 0.0;
  const float x0 = boxes[bo + 1] * p.spatial_scale - offset, y0 = boxes[bo + 2] * p.spatial_scale - offset;
  const float x1 = boxes[bo + 3] * p.spatial_scale - offset, y1 = boxes[bo + 4] * p.spatial_scale - offset;
  float roi_w = x1 - x0, roi_h = y1 - y0;
  if (p.aligned == 0) {
    roi_w = max(roi_w, 1.0);
    roi_h = max(roi_h, 1.0);
  }
  const float bin_h = roi_h / float(p.out_h), bin_w = roi_w / float(p.out_w);
  const int grid_h = p.sampling_ratio > 0 ? p.sampling_ratio : int(ceil(roi_h / float(p.out_h)));
  const int grid_w = p.sampling_ratio > 0 ? p.sampling_ratio : int(ceil(roi_w / float(p.out_w)));
  const float count = float(max(grid_h * grid_w, 1));
  const int plane = p.x_off + (batch * p.C + c) * p.H * p.W;
  float sum = 0.0;
  for (int iy = 0; iy < grid_h; ++iy) {
    const float yy = y0 + float(ph) * bin_h + (float(iy) + 0.5) * bin_h / float(grid_h);
    for (int ix = 0; ix < grid_w; ++ix) {
      const float xx = x0 + float(pw) * bin_w + (float(ix) + 0.5) * bin_w / float(grid_w);
      sum += roi_bilinear(plane, yy, xx);
    }
  }
  y[i] = sum / count;
}
