#version 450
// Direct 2-D convolution (NCHW, groups): x: [B, C, H, W], w: [O, C/groups, kh, kw] contiguous. One
// invocation per 4 output channels of one group at one output pixel: each input value loaded is
// used 4 times (on lavapipe the loads, not the arithmetic, bound this kernel).
// ref: backend/cpu/reference/ref-conv.cpp conv2d
#extension GL_GOOGLE_include_directive : require
#define OC 4
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, H, W, O, Cg, kh, kw, Ho, Wo, sh, sw, ph, pw, Og, x_off, w_off, bias_off, has_bias, groups;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;  // n = B · groups · ⌈Og/4⌉ · Ho · Wo
  const int blocks = (p.Og + OC - 1) / OC;
  const int ox = int(i % uint(p.Wo)), oy = int((i / uint(p.Wo)) % uint(p.Ho));
  const int job = int(i / uint(p.Wo * p.Ho));
  const int blk = job % blocks, g = (job / blocks) % p.groups, nb = job / (blocks * p.groups);
  const int o0 = g * p.Og + blk * OC, count = min(OC, p.Og - blk * OC);
  float acc[OC];
  for (int j = 0; j < OC; ++j) acc[j] = (j < count && p.has_bias != 0) ? bias[p.bias_off + o0 + j] : 0.0;
  for (int c = 0; c < p.Cg; ++c) {
    const int xc = p.x_off + ((nb * p.C + g * p.Cg + c) * p.H) * p.W;
    const int wc = p.w_off + ((o0 * p.Cg + c) * p.kh) * p.kw;
    const int wstep = p.Cg * p.kh * p.kw;  // from one output channel's weights to the next
    for (int ky = 0; ky < p.kh; ++ky) {
      const int iy = oy * p.sh - p.ph + ky;
      if (iy < 0 || iy >= p.H) continue;
      for (int kx = 0; kx < p.kw; ++kx) {
        const int ix = ox * p.sw - p.pw + kx;
        if (ix < 0 || ix >= p.W) continue;
        const float xv = x[xc + iy * p.W + ix];
        const int wi = wc + ky * p.kw + kx;
        for (int j = 0; j < OC; ++j)
          if (j < count) acc[j] = fma(xv, w[wi + j * wstep], acc[j]);
      }
    }
  }
  for (int j = 0; j < count; ++j) y[((nb * p.O + o0 + j) * p.Ho + oy) * p.Wo + ox] = acc[j];
}
