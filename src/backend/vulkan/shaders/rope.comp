#version 450
// 2-D axial RoPE: x: [BH, L, D] contiguous from x_off, table: [L, D/2, 2] (cos, sin) from t_off;
// one invocation per (a, b) pair. ref: backend/cpu/reference/ref-rope.cpp apply_rope
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { float tab[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int pairs, L, half_d, x_off, t_off;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.pairs)) return;
  const uint j = i % uint(p.half_d), l = (i / uint(p.half_d)) % uint(p.L);
  const float a = x[uint(p.x_off) + 2 * i], b = x[uint(p.x_off) + 2 * i + 1];
  const uint ti = uint(p.t_off) + (l * uint(p.half_d) + j) * 2;
  const float c = tab[ti], s = tab[ti + 1];
  y[2 * i] = a * c - b * s;
  y[2 * i + 1] = a * s + b * c;
}
