#version 450
// Max pooling (NCHW, no padding): x: [P, H, W] contiguous → [P, Ho, Wo]; NaN propagates.
// ref: backend/cpu/reference/ref-conv.cpp max_pool2d
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, H, W, Ho, Wo, k, s, x_off;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int ox = int(i % uint(p.Wo)), oy = int((i / uint(p.Wo)) % uint(p.Ho)), pl = int(i / uint(p.Wo * p.Ho));
  float m = -1.0 / 0.0;
  for (int ky = 0; ky < p.k; ++ky)
    for (int kx = 0; kx < p.k; ++kx) {
      const float v = x[p.x_off + (pl * p.H + oy * p.s + ky) * p.W + ox * p.s + kx];
      if (v > m || isnan(v)) m = v;
    }
  y[i] = m;
}
