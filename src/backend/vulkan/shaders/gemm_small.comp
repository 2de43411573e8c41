#version 450
// gemm.comp for thin products (M or N below 16, e.g. many 2×3 · 3×2 matrices): one invocation per
// output element over a flat [batch, M, N] index, so that a 64×64 tile is not loaded for a handful
// of outputs. Same push constants and layout as gemm.comp.
// ref: backend/cpu/reference/ref-linalg.cpp matmul
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer C { float c[]; };
layout(push_constant) uniform Push {
  int M, N, K, a_off, a_bs, a_rs, a_cs, b_off, b_bs, b_rs, b_cs, bias_off, has_bias, c_off, count;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.count)) return;
  const int n = int(i % uint(p.N)), m = int((i / uint(p.N)) % uint(p.M)), z = int(i / uint(p.N * p.M));
  const int ai = p.a_off + z * p.a_bs + m * p.a_rs, bi = p.b_off + z * p.b_bs + n * p.b_cs;
  float acc = 0.0;
  for (int k = 0; k < p.K; ++k) acc = fma(a[ai + k * p.a_cs], b[bi + k * p.b_rs], acc);
  if (p.has_bias != 0) acc += bias[p.bias_off + n];
  c[uint(p.c_off) + i] = acc;
}
