#version 450
// Layer norm over the last axis of x: [rows, C] (contiguous from x_off): one workgroup per row,
// two-pass mean and biased variance. ref: backend/cpu/reference/ref-norm.cpp layer_norm
#extension GL_GOOGLE_include_directive : require
#define WG 128
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int rows, C, x_off, w_off, b_off, has_w, has_b;
  float eps;
} p;
#include "reduce.glsl"

void main() {
  const uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (row >= uint(p.rows)) return;
  const uint t = gl_LocalInvocationID.x, C = uint(p.C), base = row * C;
  float s = 0.0;
  for (uint c = t; c < C; c += WG) s += x[uint(p.x_off) + base + c];
  const float mean = wg_sum(s) / float(C);
  float v = 0.0;
  for (uint c = t; c < C; c += WG) {
    const float d = x[uint(p.x_off) + base + c] - mean;
    v += d * d;
  }
  const float rstd = 1.0 / sqrt(wg_sum(v) / float(C) + p.eps);
  for (uint c = t; c < C; c += WG) {
    float r = (x[uint(p.x_off) + base + c] - mean) * rstd;
    if (p.has_w != 0) r *= w[uint(p.w_off) + c];
    if (p.has_b != 0) r += b[uint(p.b_off) + c];
    y[base + c] = r;
  }
}
