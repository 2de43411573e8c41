#version 450
// Row lookup: weight [V, C] contiguous, ids i32 or i64 (range-checked by the ops layer; an i64 id
// is read from its low word) contiguous → [n_ids, C]. ref: backend/cpu/reference/ref-reduce.cpp
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int n, C, w_off, ids_off, ids64;
} p;
#include "common.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  const uint c = i % uint(p.C), r = i / uint(p.C);
  const int id = p.ids64 != 0 ? ids[2 * (uint(p.ids_off) + r)] : ids[uint(p.ids_off) + r];
  y[i] = w[uint(p.w_off) + uint(id) * uint(p.C) + c];
}
