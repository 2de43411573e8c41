// NEON versions of vec-math.h's row helpers: the same operations in the same order, four lanes at
// a time (no fused multiply-add, as the scalar code compiled in ISO C++ mode has none), so each
// lane gives the scalar function's result. Included by vec-math.h on Arm only.
#pragma once

#include <arm_neon.h>

#include <cmath>
#include <cstdint>

namespace sam3rt::cpu {

inline float32x4_t exp4(float32x4_t x) {
  const float32x4_t lo = vdupq_n_f32(-87.33654f), hi = vdupq_n_f32(88.72283f);
  const uint32x4_t under = vcltq_f32(x, lo), over = vcgtq_f32(x, hi);
  const uint32x4_t nan = vmvnq_u32(vceqq_f32(x, x));
  const float32x4_t xc = vbslq_f32(under, lo, vbslq_f32(over, hi, x));
  // n = round(x·log2 e) by the 1.5·2²³ trick (see exp_approx)
  const float32x4_t big = vaddq_f32(vmulq_n_f32(xc, 1.44269504088896341f), vdupq_n_f32(12582912.f));
  const float32x4_t fx = vsubq_f32(big, vdupq_n_f32(12582912.f));
  const int32x4_t n = vsubq_s32(vreinterpretq_s32_f32(big), vdupq_n_s32(0x4B400000));
  float32x4_t r = vsubq_f32(xc, vmulq_n_f32(fx, 0.693359375f));
  r = vsubq_f32(r, vmulq_n_f32(fx, -2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(1.3981999507e-3f));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(8.3334519073e-3f));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(4.1665795894e-2f));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(1.6666665459e-1f));
  p = vaddq_f32(vmulq_f32(p, r), vdupq_n_f32(5.0000001201e-1f));
  const float32x4_t y = vaddq_f32(vaddq_f32(vmulq_f32(vmulq_f32(p, r), r), r), vdupq_n_f32(1.f));
  const float32x4_t scale = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n, vdupq_n_s32(126)), 23));
  const float32x4_t e = vmulq_f32(vmulq_f32(y, scale), vdupq_n_f32(2.f));
  float32x4_t out = vbslq_f32(nan, x, e);
  out = vbslq_f32(over, vdupq_n_f32(INFINITY), out);
  return vbslq_f32(under, vdupq_n_f32(0.f), out);
}

inline float32x4_t erf4(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.f);
  const float32x4_t ax = vabsq_f32(x);
  const float32x4_t t = vdivq_f32(one, vaddq_f32(one, vmulq_n_f32(ax, 0.3275911f)));
  float32x4_t p = vdupq_n_f32(1.061405429f);
  p = vsubq_f32(vmulq_f32(p, t), vdupq_n_f32(1.453152027f));
  p = vaddq_f32(vmulq_f32(p, t), vdupq_n_f32(1.421413741f));
  p = vsubq_f32(vmulq_f32(p, t), vdupq_n_f32(0.284496736f));
  p = vaddq_f32(vmulq_f32(p, t), vdupq_n_f32(0.254829592f));
  const float32x4_t r = vsubq_f32(one, vmulq_f32(vmulq_f32(p, t), exp4(vmulq_f32(vnegq_f32(ax), ax))));
  return vbslq_f32(vdupq_n_u32(0x80000000u), x, r);  // copysign(r, x)
}

inline float32x4_t gelu4(float32x4_t x) {
  const float32x4_t e = erf4(vmulq_n_f32(x, 0.70710678118654752f));
  return vmulq_f32(vmulq_n_f32(x, 0.5f), vaddq_f32(vdupq_n_f32(1.f), e));
}

inline float32x4_t sigmoid4(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.f);
  return vdivq_f32(one, vaddq_f32(one, exp4(vnegq_f32(x))));
}

// 16 partial results as four vectors, finished in the scalar versions' order.
inline void sum_dev_f32_neon(const float* x, int64_t n, float c, float* sum_out, float* sum_sq_out) {
  float32x4_t a[4], a2[4];
  for (int k = 0; k < 4; ++k) a[k] = a2[k] = vdupq_n_f32(0.f);
  const float32x4_t cv = vdupq_n_f32(c);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 4; ++k) {
      const float32x4_t d = vsubq_f32(vld1q_f32(x + i + 4 * k), cv);
      a[k] = vaddq_f32(a[k], d);
      a2[k] = vaddq_f32(a2[k], vmulq_f32(d, d));
    }
  float acc[16], acc2[16];
  for (int k = 0; k < 4; ++k) vst1q_f32(acc + 4 * k, a[k]), vst1q_f32(acc2 + 4 * k, a2[k]);
  float s = 0.f, s2 = 0.f;
  for (; i < n; ++i) {
    const float d = x[i] - c;
    s += d;
    s2 += d * d;
  }
  for (int j = 0; j < 16; ++j) s += acc[j], s2 += acc2[j];
  *sum_out = s;
  *sum_sq_out = s2;
}

inline float max_f32_neon(const float* x, int64_t n) {
  float32x4_t a[4];
  for (int k = 0; k < 4; ++k) a[k] = vdupq_n_f32(-INFINITY);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 4; ++k) {
      const float32x4_t v = vld1q_f32(x + i + 4 * k);
      a[k] = vbslq_f32(vcgtq_f32(v, a[k]), v, a[k]);  // x > acc ? x : acc, NaN skipped as in the scalar
    }
  float acc[16];
  for (int k = 0; k < 4; ++k) vst1q_f32(acc + 4 * k, a[k]);
  float m = -INFINITY;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int j = 0; j < 16; ++j) m = acc[j] > m ? acc[j] : m;
  return m;
}

template <class F4, class F1>
inline void map_row_neon(const float* x, float* y, int64_t n, F4 f4, F1 f1) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, f4(vld1q_f32(x + i)));
  for (; i < n; ++i) y[i] = f1(x[i]);
}

inline void exp_sub_f32_neon(const float* x, float m, float* y, int64_t n) {
  const float32x4_t mv = vdupq_n_f32(m);
  map_row_neon(x, y, n, [mv](float32x4_t v) { return exp4(vsubq_f32(v, mv)); }, [m](float v) { return exp_approx(v - m); });
}
inline void gelu_f32_neon(const float* x, float* y, int64_t n) {
  map_row_neon(x, y, n, gelu4, gelu_approx);
}
inline void sigmoid_f32_neon(const float* x, float* y, int64_t n) {
  map_row_neon(x, y, n, sigmoid4, sigmoid_approx);
}

}  // namespace sam3rt::cpu
