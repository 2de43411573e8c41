#version 450
// Mean over the unpadded positions: x: [B, L, C], padding_mask u8 [B, L] (1 = padding), both
// contiguous → [B, C]; one invocation per output. ref: backend/cpu/reference/ref-reduce.cpp
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Mask { uint mask_words[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, L, C, x_off, m_off;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const uint c = i % uint(p.C), b = i / uint(p.C);
  float acc = 0.0;
  int valid = 0;
  for (uint l = 0; l < uint(p.L); ++l) {
    const uint mi = uint(p.m_off) + b * uint(p.L) + l;
    if (((mask_words[mi >> 2] >> ((mi & 3u) * 8u)) & 0xffu) != 0u) continue;
    acc += x[uint(p.x_off) + (b * uint(p.L) + l) * uint(p.C) + c];
    ++valid;
  }
  y[i] = acc / float(max(valid, 1));
}
