#version 450
// y = op(x) elementwise (kernel-table.h UnaryOp, in its order); x contiguous from element x_off.
// ref: backend/cpu/reference/ref-elementwise.cpp apply_unary
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, x_off, op;
  float p0, p1;
} p;
#include "common.glsl"
#include "math.glsl"

// erfc(z) for z ≥ 0 with a relative error below 1.2e-7 (the Chebyshev fit of Numerical Recipes'
// erfcc), so that gelu keeps its relative accuracy on the negative side, where 1 + erf → 0.
float erfc_pos(float z) {
  const float t = 1.0 / (1.0 + 0.5 * z);
  return t * exp_acc(-z * z - 1.26551223 +
                 t * (1.00002368 +
                      t * (0.37409196 +
                           t * (0.09678418 +
                                t * (-0.18628806 +
                                     t * (0.27886807 +
                                          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
}

float gelu(float v) {
  const float z = abs(v) * 0.70710678118654752;
  if (isinf(v)) return v > 0.0 ? v : 0.0 / 0.0;  // the reference's −∞ · (1 + erf(−∞)) = −∞ · 0
  return v >= 0.0 ? 0.5 * v * (2.0 - erfc_pos(z)) : 0.5 * v * erfc_pos(z);
}

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const float v = x[uint(p.x_off) + i];
  float r = v;
  switch (p.op) {
    case 0: r = isnan(v) ? v : gelu(v); break;
    case 1: r = v > 0.0 ? v : (isnan(v) ? v : 0.0); break;
    case 2: r = 1.0 / (1.0 + exp_acc(-v)); break;
    case 3: r = exp_acc(v); break;
    case 4: r = log_acc(v); break;
    case 5: r = isnan(v) ? v : min(max(v, p.p0), p.p1); break;
    case 6: r = v + p.p0; break;
    case 7: r = v * p.p0; break;
  }
  y[i] = r;
}
