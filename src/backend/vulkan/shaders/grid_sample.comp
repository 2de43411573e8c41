#version 450
// F.grid_sample (bilinear, zeros padding, align_corners=False): x: [B, C, H, W], grid:
// [B, Ho, Wo, 2] contiguous → [B, C, Ho, Wo]; one invocation per output.
// ref: backend/cpu/reference/ref-resample.cpp grid_sample
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Grid { float grid[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, H, W, Ho, Wo, x_off, g_off;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int ox = int(i % uint(p.Wo)), oy = int((i / uint(p.Wo)) % uint(p.Ho));
  const int c = int((i / uint(p.Wo * p.Ho)) % uint(p.C)), b = int(i / uint(p.Wo * p.Ho * p.C));
  const int gi = p.g_off + ((b * p.Ho + oy) * p.Wo + ox) * 2;
  const float gx = grid[gi], gy = grid[gi + 1];
  const float ix = ((gx + 1.0) * float(p.W) - 1.0) / 2.0;
  const float iy = ((gy + 1.0) * float(p.H) - 1.0) / 2.0;
  const int x_w = int(floor(ix)), y_n = int(floor(iy));
  const int x_e = x_w + 1, y_s = y_n + 1;
  const float w_nw = (float(x_e) - ix) * (float(y_s) - iy);
  const float w_ne = (ix - float(x_w)) * (float(y_s) - iy);
  const float w_sw = (float(x_e) - ix) * (iy - float(y_n));
  const float w_se = (ix - float(x_w)) * (iy - float(y_n));
  const int pl = p.x_off + (b * p.C + c) * p.H * p.W;
  float v = 0.0;
  if (y_n >= 0 && y_n < p.H && x_w >= 0 && x_w < p.W) v += x[pl + y_n * p.W + x_w] * w_nw;
  if (y_n >= 0 && y_n < p.H && x_e >= 0 && x_e < p.W) v += x[pl + y_n * p.W + x_e] * w_ne;
  if (y_s >= 0 && y_s < p.H && x_w >= 0 && x_w < p.W) v += x[pl + y_s * p.W + x_w] * w_sw;
  if (y_s >= 0 && y_s < p.H && x_e >= 0 && x_e < p.W) v += x[pl + y_s * p.W + x_e] * w_se;
  y[i] = v;
}
