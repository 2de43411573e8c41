#version 450
// Nearest (mode 0) or bilinear (mode 1, align_corners=False) resize: x: [P, H, W] contiguous →
// [P, oh, ow], the reference's f32 coordinate arithmetic.
// ref: backend/cpu/reference/ref-resample.cpp interpolate_nearest, interpolate_bilinear
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, H, W, oh, ow, x_off, mode;
} p;
#include "common.glsl"

float source(float scale, int dst) { return max(scale * (float(dst) + 0.5) - 0.5, 0.0); }

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int ox = int(i % uint(p.ow)), oy = int((i / uint(p.ow)) % uint(p.oh)), pl = int(i / uint(p.ow * p.oh));
  const float sh = float(p.H) / float(p.oh), sw = float(p.W) / float(p.ow);
  const int base = p.x_off + pl * p.H * p.W;
  if (p.mode == 0) {
    const int iy = min(int(floor(float(oy) * sh)), p.H - 1), ix = min(int(floor(float(ox) * sw)), p.W - 1);
    y[i] = x[base + iy * p.W + ix];
    return;
  }
  const float fy = source(sh, oy), fx = source(sw, ox);
  const int y0 = int(fy), x0 = int(fx);
  const int y1 = y0 + (y0 < p.H - 1 ? 1 : 0), x1 = x0 + (x0 < p.W - 1 ? 1 : 0);
  const float ly = fy - float(y0), hy = 1.0 - ly, lx = fx - float(x0), hx = 1.0 - lx;
  y[i] = hy * (hx * x[base + y0 * p.W + x0] + lx * x[base + y0 * p.W + x1]) +
         ly * (hx * x[base + y1 * p.W + x0] + lx * x[base + y1 * p.W + x1]);
}
