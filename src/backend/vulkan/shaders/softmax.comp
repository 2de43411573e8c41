#version 450
// Softmax over the middle axis of x viewed as [outer, n, inner] (contiguous from x_off): one
// workgroup per (outer, inner) row. ref: backend/cpu/reference/ref-elementwise.cpp softmax
#extension GL_GOOGLE_include_directive : require
#define WG 128
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int rows, n, inner, x_off;
} p;
#include "reduce.glsl"
#include "math.glsl"

void main() {
  const uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (row >= uint(p.rows)) return;
  const uint o = row / uint(p.inner), in_ = row % uint(p.inner);
  const uint base = o * uint(p.n * p.inner) + in_;
  const uint t = gl_LocalInvocationID.x;
  float m = -1.0 / 0.0;
  for (uint j = t; j < uint(p.n); j += WG) m = max_nan(m, x[uint(p.x_off) + base + j * uint(p.inner)]);
  m = wg_max(m);
  float s = 0.0;
  for (uint j = t; j < uint(p.n); j += WG) s += exp_acc(x[uint(p.x_off) + base + j * uint(p.inner)] - m);
  s = wg_sum(s);
  for (uint j = t; j < uint(p.n); j += WG) y[base + j * uint(p.inner)] = exp_acc(x[uint(p.x_off) + base + j * uint(p.inner)] - m) / s;
}
