#version 450
// Transposed 2-D convolution (NCHW, no padding): x: [B, C, H, W], w: [C, O, kh, kw] contiguous; one
// invocation per output element gathers the inputs whose footprint covers it (the reference
// scatters). ref: backend/cpu/reference/ref-conv.cpp conv_transpose2d
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, H, W, O, kh, kw, Ho, Wo, sh, sw, x_off, w_off, bias_off, has_bias;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int ox = int(i % uint(p.Wo)), oy = int((i / uint(p.Wo)) % uint(p.Ho));
  const int o = int((i / uint(p.Wo * p.Ho)) % uint(p.O)), nb = int(i / uint(p.Wo * p.Ho * p.O));
  float acc = 0.0;
  for (int ky = 0; ky < p.kh; ++ky) {
    const int ty = oy - ky;
    if (ty < 0 || ty % p.sh != 0 || ty / p.sh >= p.H) continue;
    const int iy = ty / p.sh;
    for (int kx = 0; kx < p.kw; ++kx) {
      const int tx = ox - kx;
      if (tx < 0 || tx % p.sw != 0 || tx / p.sw >= p.W) continue;
      const int ix = tx / p.sw;
      for (int c = 0; c < p.C; ++c)
        acc = fma(x[p.x_off + ((nb * p.C + c) * p.H + iy) * p.W + ix], w[p.w_off + ((c * p.O + o) * p.kh + ky) * p.kw + kx],
                  acc);
    }
  }
  y[i] = acc + (p.has_bias != 0 ? bias[p.bias_off + o] : 0.0);
}
