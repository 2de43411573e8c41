// Branch-free float math written as plain loops that the compiler vectorises (-O3 -march=...):
// exp (Cephes polynomial, ≤ 2 ulp on [−87.3, 88.7], flushes results below ~1.2e−38 to 0) and erf (Abramowitz–Stegun 7.1.26, |error|
// ≤ 1.5e−7, the same approximation as ATen's vectorised CPU erf). The scalar forms build on every
// architecture and are the oracle; on Arm the row helpers at the end (exp of a row, GELU,
// sigmoid, max, centred moments) run NEON versions of the same arithmetic (vec-math-neon.h),
// because GCC's generic aarch64 cost model declines to vectorise these loops (it does vectorise
// them for x86-64).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace sam3rt::cpu {

inline float exp_approx(float x) {
  const float lo = -87.33654f, hi = 88.72283f;
  const float xc = x < lo ? lo : (x > hi ? hi : x);
  // n = round(x·log2 e) by the 1.5·2²³ trick, which leaves n in the low mantissa bits: no
  // float→int conversion, which GCC refuses to vectorise under the default -ftrapping-math.
  const float big = xc * 1.44269504088896341f + 12582912.f;
  const float fx = big - 12582912.f;
  const int32_t n = std::bit_cast<int32_t>(big) - 0x4B400000;
  float r = xc - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.f;
  // 2^n applied as 2^(n−1)·2 so that n = 128 (x near the overflow limit) stays finite;
  // n = −126 then flushes to 0 (true value ≈ 1.2e−38).
  const float scale = std::bit_cast<float>((n + 126) << 23);
  const float e = (y * scale) * 2.f;
  // Saturate like expf: underflow → 0 (so exp(−∞) = 0), overflow → ∞; NaN stays NaN.
  return x < lo ? 0.f : (x > hi ? INFINITY : (x != x ? x : e));
}

inline float erf_approx(float x) {
  const float ax = std::fabs(x);
  const float t = 1.f / (1.f + 0.3275911f * ax);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float r = 1.f - p * t * exp_approx(-ax * ax);
  return std::copysign(r, x);
}

// Exact (erf) GELU: 0.5·x·(1 + erf(x/√2)).
inline float gelu_approx(float x) { return 0.5f * x * (1.f + erf_approx(x * 0.70710678118654752f)); }

inline float sigmoid_approx(float x) { return 1.f / (1.f + exp_approx(-x)); }

// Reductions with 16 independent partial results: the fixed-width inner loop vectorises without
// -ffast-math (which a single running sum would need), and the partial sums are more accurate.
constexpr int kLanes = 16;

inline float sum_f32(const float* __restrict x, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  float s = 0.f;
  for (; i < n; ++i) s += x[i];
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  return s;
}

// Σ (x − c) and Σ (x − c)² in one pass.
inline void sum_dev_f32_scalar(const float* __restrict x, int64_t n, float c, float* sum_out, float* sum_sq_out) {
  float acc[kLanes] = {}, acc2[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      const float d = x[i + j] - c;
      acc[j] += d;
      acc2[j] += d * d;
    }
  float s = 0.f, s2 = 0.f;
  for (; i < n; ++i) {
    const float d = x[i] - c;
    s += d;
    s2 += d * d;
  }
  for (int j = 0; j < kLanes; ++j) s += acc[j], s2 += acc2[j];
  *sum_out = s;
  *sum_sq_out = s2;
}

inline float max_f32_scalar(const float* __restrict x, int64_t n) {
  float acc[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = -INFINITY;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] = x[i + j] > acc[j] ? x[i + j] : acc[j];
  float m = -INFINITY;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int j = 0; j < kLanes; ++j) m = acc[j] > m ? acc[j] : m;
  return m;
}

// Row helpers (y may equal x): y = exp(x − m), GELU(x), sigmoid(x). In place, one pointer; else
// two restrict pointers: either way the loop vectorises without a runtime alias check.
template <class F>
inline void map_row_scalar(const float* x, float* y, int64_t n, F f) {
  if (x == y) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(y[i]);
  } else {
    const float* __restrict xr = x;
    float* __restrict yr = y;
    for (int64_t i = 0; i < n; ++i) yr[i] = f(xr[i]);
  }
}
inline void exp_sub_f32_scalar(const float* x, float m, float* y, int64_t n) {
  map_row_scalar(x, y, n, [m](float v) { return exp_approx(v - m); });
}
inline void gelu_f32_scalar(const float* x, float* y, int64_t n) { map_row_scalar(x, y, n, gelu_approx); }
inline void sigmoid_f32_scalar(const float* x, float* y, int64_t n) { map_row_scalar(x, y, n, sigmoid_approx); }

}  // namespace sam3rt::cpu

#if defined(__ARM_NEON) && !defined(SAM3RT_SCALAR_VEC_MATH)
#include "backend/cpu/vec-math-neon.h"
#define SAM3RT_VEC_MATH_NEON 1
#endif

namespace sam3rt::cpu {

#if defined(SAM3RT_VEC_MATH_NEON)
inline void sum_dev_f32(const float* x, int64_t n, float c, float* s, float* s2) { sum_dev_f32_neon(x, n, c, s, s2); }
inline float max_f32(const float* x, int64_t n) { return max_f32_neon(x, n); }
inline void exp_sub_f32(const float* x, float m, float* y, int64_t n) { exp_sub_f32_neon(x, m, y, n); }
inline void gelu_f32(const float* x, float* y, int64_t n) { gelu_f32_neon(x, y, n); }
inline void sigmoid_f32(const float* x, float* y, int64_t n) { sigmoid_f32_neon(x, y, n); }
#else
inline void sum_dev_f32(const float* x, int64_t n, float c, float* s, float* s2) { sum_dev_f32_scalar(x, n, c, s, s2); }
inline float max_f32(const float* x, int64_t n) { return max_f32_scalar(x, n); }
inline void exp_sub_f32(const float* x, float m, float* y, int64_t n) { exp_sub_f32_scalar(x, m, y, n); }
inline void gelu_f32(const float* x, float* y, int64_t n) { gelu_f32_scalar(x, y, n); }
inline void sigmoid_f32(const float* x, float* y, int64_t n) { sigmoid_f32_scalar(x, y, n); }
#endif

}  // namespace sam3rt::cpu
