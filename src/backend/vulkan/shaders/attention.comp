#version 450
// Scaled dot-product attention, flash style: one workgroup per (query, batch·head) streams the keys
// in blocks of WG with an online softmax (running maximum and sum, the accumulator rescaled), so no
// score row is stored. q: [BH, Lq, D], k: [BH, Lk, D], v: [BH, Lk, Dv] contiguous; key padding
// mask u8 [B, Lk] (1 = masked); additive bias through strides [B, H, Lq, Lk] (stride 0 where
// broadcast). A query whose keys are all masked gets zeros (the kernel table's contract).
// ref: backend/cpu/reference/ref-attention.cpp attention
#extension GL_GOOGLE_include_directive : require
#define WG 64
#define MAX_DV_PER 8  // Dv ≤ WG · 8
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) readonly buffer Mask { uint mask_words[]; };
layout(std430, binding = 4) readonly buffer Bias { float bias[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  int H, Lq, Lk, D, Dv, q_off, k_off, v_off, m_off, has_mask, has_bias, bias_off;
  int bs0, bs1, bs2, bs3;
  float scale;
} p;
#include "reduce.glsl"
#include "math.glsl"

shared float q_row[512];
shared float probs[WG];

void main() {
  const uint i = gl_WorkGroupID.x, bh = gl_WorkGroupID.y, t = gl_LocalInvocationID.x;
  const uint bb = bh / uint(p.H), hh = bh % uint(p.H);
  const uint D = uint(p.D), Dv = uint(p.Dv), Lk = uint(p.Lk);
  for (uint d = t; d < D; d += WG) q_row[d] = q[uint(p.q_off) + (bh * uint(p.Lq) + i) * D + d];
  barrier();
  const float neg_inf = -1.0 / 0.0;
  float m = neg_inf, l = 0.0;
  float acc[MAX_DV_PER];
  for (uint r = 0; r < MAX_DV_PER; ++r) acc[r] = 0.0;
  for (uint j0 = 0; j0 < Lk; j0 += WG) {
    const uint j = j0 + t;
    float s = neg_inf;
    if (j < Lk) {
      const uint kb = uint(p.k_off) + (bh * Lk + j) * D;
      float dot = 0.0;
      for (uint d = 0; d < D; ++d) dot = fma(q_row[d], k[kb + d], dot);
      s = dot * p.scale;
      if (p.has_bias != 0)
        s += bias[p.bias_off + int(bb) * p.bs0 + int(hh) * p.bs1 + int(i) * p.bs2 + int(j) * p.bs3];
      if (p.has_mask != 0) {
        const uint mi = uint(p.m_off) + bb * Lk + j;
        if (((mask_words[mi >> 2] >> ((mi & 3u) * 8u)) & 0xffu) != 0u) s = neg_inf;
      }
    }
    const float m_new = max(m, wg_max(s));
    if (m_new == neg_inf) continue;  // every key so far is masked
    const float corr = exp_acc(m - m_new);  // 0 while m is −inf
    const float e = s == neg_inf ? 0.0 : exp_acc(s - m_new);
    probs[t] = e;
    l = l * corr + wg_sum(e);  // wg_sum's barriers also publish probs
    const uint nj = min(uint(WG), Lk - j0);
    for (uint r = 0; r < MAX_DV_PER; ++r) {
      const uint d = t + r * WG;
      if (d >= Dv) break;
      float a = acc[r] * corr;
      for (uint jj = 0; jj < nj; ++jj) a = fma(probs[jj], v[uint(p.v_off) + (bh * Lk + j0 + jj) * Dv + d], a);
      acc[r] = a;
    }
    m = m_new;
    barrier();  // probs is rewritten by the next block
  }
  for (uint r = 0; r < MAX_DV_PER; ++r) {
    const uint d = t + r * WG;
    if (d >= Dv) break;
    y[(bh * uint(p.Lq) + i) * Dv + d] = m == neg_inf ? 0.0 : acc[r] / l;
  }
}
