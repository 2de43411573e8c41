#version 450
// Group norm of x: [B, C, S] (contiguous from x_off): one workgroup per (batch, group), statistics
// over its C/groups channels × S. ref: backend/cpu/reference/ref-norm.cpp group_norm
#extension GL_GOOGLE_include_directive : require
#define WG 256
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int count, C, S, groups, x_off, w_off, b_off, has_w, has_b;
  float eps;
} p;
#include "reduce.glsl"

void main() {
  const uint job = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (job >= uint(p.count)) return;
  const uint n = job / uint(p.groups), g = job % uint(p.groups);
  const uint Cg = uint(p.C / p.groups), S = uint(p.S), len = Cg * S;
  const uint base = (n * uint(p.C) + g * Cg) * S, t = gl_LocalInvocationID.x;
  float s = 0.0;
  for (uint i = t; i < len; i += WG) s += x[uint(p.x_off) + base + i];
  const float mean = wg_sum(s) / float(len);
  float v = 0.0;
  for (uint i = t; i < len; i += WG) {
    const float d = x[uint(p.x_off) + base + i] - mean;
    v += d * d;
  }
  const float rstd = 1.0 / sqrt(wg_sum(v) / float(len) + p.eps);
  for (uint i = t; i < len; i += WG) {
    const uint ch = g * Cg + i / S;
    float r = (x[uint(p.x_off) + base + i] - mean) * rstd;
    if (p.has_w != 0) r *= w[uint(p.w_off) + ch];
    if (p.has_b != 0) r += b[uint(p.b_off) + ch];
    y[base + i] = r;
  }
}
