#version 450
// y = a op b with numpy broadcasting (kernel-table.h BinaryOp): a and b are views expanded to y's
// shape (stride 0 on broadcast dimensions, rank ≤ 6); y contiguous from element y_off (add_inplace
// binds a's buffer as y). ref: backend/cpu/reference/ref-elementwise.cpp binary
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, rank, a_off, b_off, y_off, op;
  int shape[6];
  int astride[6];
  int bstride[6];
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  uint rest = i;
  int ai = p.a_off, bi = p.b_off;
  for (int k = p.rank - 1; k >= 0; --k) {
    const uint c = rest % uint(p.shape[k]);
    rest /= uint(p.shape[k]);
    ai += int(c) * p.astride[k];
    bi += int(c) * p.bstride[k];
  }
  const float va = a[ai], vb = b[bi];
  float r;
  switch (p.op) {
    case 0: r = va + vb; break;
    case 1: r = va - vb; break;
    case 2: r = va * vb; break;
    default: r = va / vb; break;
  }
  y[uint(p.y_off) + i] = r;
}
