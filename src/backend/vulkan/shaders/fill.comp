#version 450
// Every element of a contiguous tensor (from element `off`) ← value, converted to its dtype.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Dst { uint dst_words[]; };
layout(push_constant) uniform Push {
  int n, off, dt;
  float value;
} p;
#include "common.glsl"
#define src_words dst_words
#include "elem.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  uint hi;
  const uint bits = to_bits(p.value, int(p.value), p.dt, hi);
  store_bits(uint(p.off) + i, p.dt, bits, hi);
}
