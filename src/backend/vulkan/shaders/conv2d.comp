#version 450
// Direct 2-D convolution (NCHW, groups): x: [B, C, H, W], w: [O, C/groups, kh, kw] contiguous; one
// invocation per output element. ref: backend/cpu/reference/ref-conv.cpp conv2d
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, H, W, O, Cg, kh, kw, Ho, Wo, sh, sw, ph, pw, Og, x_off, w_off, bias_off, has_bias;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int ox = int(i % uint(p.Wo)), oy = int((i / uint(p.Wo)) % uint(p.Ho));
  const int o = int((i / uint(p.Wo * p.Ho)) % uint(p.O)), nb = int(i / uint(p.Wo * p.Ho * p.O));
  const int g = o / p.Og;
  float acc = p.has_bias != 0 ? bias[p.bias_off + o] : 0.0;
  for (int c = 0; c < p.Cg; ++c) {
    const int xc = p.x_off + ((nb * p.C + g * p.Cg + c) * p.H) * p.W;
    const int wc = p.w_off + ((o * p.Cg + c) * p.kh) * p.kw;
    for (int ky = 0; ky < p.kh; ++ky) {
      const int iy = oy * p.sh - p.ph + ky;
      if (iy < 0 || iy >= p.H) continue;
      for (int kx = 0; kx < p.kw; ++kx) {
        const int ix = ox * p.sw - p.pw + kx;
        if (ix < 0 || ix >= p.W) continue;
        acc = fma(x[xc + iy * p.W + ix], w[wc + ky * p.kw + kx], acc);
      }
    }
  }
  y[i] = acc;
}
