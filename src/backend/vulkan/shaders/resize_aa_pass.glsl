// The body of resize_aa_pass.comp and resize_aa_pass_f64.comp (see there).
#ifndef SAM3RT_RESIZE_AA_PASS_GLSL
#define SAM3RT_RESIZE_AA_PASS_GLSL
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Win { int win[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, I, O, Q, x_off, win_off, record;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const int q = int(i % uint(p.Q)), o = int((i / uint(p.Q)) % uint(p.O)), pl = int(i / uint(p.Q * p.O));
  const int r = p.win_off + o * p.record;
  const int start = win[r], taps = win[r + 1];
  const int base = p.x_off + (pl * p.I + start) * p.Q + q;
  precise float acc = 0.0;
  if (taps > 0) {
    acc = x[base] * intBitsToFloat(win[r + 2]);
    for (int j = 1; j < taps; ++j) acc = fused_multiply_add(x[base + j * p.Q], intBitsToFloat(win[r + 2 + j]), acc);
  }
  y[i] = acc;
}

#endif
