#version 450
// C[z, m, n] = Σ_k A[z, m, k] · B[z, k, n] (+ bias[n]), f32: A and B through element strides (so a
// transposed weight, linear's w: [N, K], needs no copy), C contiguous [batch, M, N] from c_off. Tiles of 64×64
// outputs per workgroup of 16×16 invocations (4×4 each), K in steps of 16 through shared memory.
// ref: backend/cpu/reference/ref-linalg.cpp linear, matmul
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer C { float c[]; };
layout(push_constant) uniform Push {
  int M, N, K, a_off, a_bs, a_rs, a_cs, b_off, b_bs, b_rs, b_cs, bias_off, has_bias, c_off;
} p;

const uint TM = 64, TN = 64, TK = 16;
shared float As[TK][TM + 1];
shared float Bs[TK][TN + 1];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16 + tx;
  const uint m0 = gl_WorkGroupID.y * TM, n0 = gl_WorkGroupID.x * TN, z = gl_WorkGroupID.z;
  const int a_base = p.a_off + int(z) * p.a_bs, b_base = p.b_off + int(z) * p.b_bs;
  float acc[4][4];
  for (uint i = 0; i < 4; ++i)
    for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;
  for (uint k0 = 0; k0 < uint(p.K); k0 += TK) {
    // 1024 elements of each tile, 4 per invocation; k fastest for A (its rows), n fastest for B.
    for (uint e = tid; e < TM * TK; e += 256) {
      const uint mm = e / TK, kk = e % TK;
      const uint gm = m0 + mm, gk = k0 + kk;
      As[kk][mm] = (gm < uint(p.M) && gk < uint(p.K)) ? a[a_base + int(gm) * p.a_rs + int(gk) * p.a_cs] : 0.0;
      const uint kb = e / TN, nb = e % TN;
      const uint gkb = k0 + kb, gn = n0 + nb;
      Bs[kb][nb] = (gkb < uint(p.K) && gn < uint(p.N)) ? b[b_base + int(gkb) * p.b_rs + int(gn) * p.b_cs] : 0.0;
    }
    barrier();
    for (uint kk = 0; kk < TK; ++kk) {
      float av[4], bv[4];
      for (uint i = 0; i < 4; ++i) av[i] = As[kk][ty + 16 * i];
      for (uint j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
      for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
    barrier();
  }
  for (uint i = 0; i < 4; ++i) {
    const uint gm = m0 + ty + 16 * i;
    if (gm >= uint(p.M)) continue;
    for (uint j = 0; j < 4; ++j) {
      const uint gn = n0 + tx + 16 * j;
      if (gn >= uint(p.N)) continue;
      float r = acc[i][j];
      if (p.has_bias != 0) r += bias[uint(p.bias_off) + gn];
      c[uint(p.c_off) + (z * uint(p.M) + gm) * uint(p.N) + gn] = r;
    }
  }
}
