// exp and log with about 1 ulp of error: GLSL's built-ins may be as far off as (3 + 2|x|) ulp (exp)
// or 2⁻²¹ absolute near 1 (log) — lavapipe's are — which the CPU kernels' tolerances do not allow.
// Cody–Waite range reduction and short polynomials, as in fdlibm's expf and logf.
// `precise` keeps the driver from reassociating (Mesa's NIR applies inexact algebraic rules to
// anything not marked so). Powers of two and exponents are built from the bits: lavapipe's ldexp and frexp go through its
// approximate exp2/log2.
#ifndef SAM3RT_MATH_GLSL
#define SAM3RT_MATH_GLSL

// 2^k for k ∈ [−126, 127]
float pow2i(int k) { return intBitsToFloat((k + 127) << 23); }

float exp_acc(float x) {
  if (isnan(x)) return x;
  if (x > 88.72283935546875) return 1.0 / 0.0;
  if (x < -103.972084045410) return 0.0;
  const float k = roundEven(x * 1.44269502162933);
  // ln 2 = 0.693145751953125 (few enough bits that k·hi is exact) + 1.42860677e-6; separate
  // precise products and differences, not fma(): Mesa splits an fma into a product and a sum and
  // would then factor k·hi + k·lo into k·(hi + lo), rounding ln 2 to float.
  precise const float khi = k * 0.693145751953125, klo = k * 1.428606765330187e-06;
  precise const float r = (x - khi) - klo;
  // exp(r), |r| ≤ ½ ln 2: Taylor to r⁷ (truncation < 6e-9 relative), Horner
  precise float p = 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const int ki = int(k), k1 = ki / 2;
  return p * pow2i(k1) * pow2i(ki - k1);  // two steps: 2^k alone may not be representable
}

float log_acc(float x) {
  if (isnan(x) || x < 0.0) return 0.0 / 0.0;
  if (x == 0.0) return -1.0 / 0.0;
  if (isinf(x)) return x;
  int e = 0;
  if (x < 1.17549435e-38) {  // subnormal: scale into the normal range first
    x *= 16777216.0;
    e = -24;
  }
  const uint bits = floatBitsToUint(x);
  e += int((bits >> 23) & 0xffu) - 126;
  float m = uintBitsToFloat((bits & 0x807fffffu) | 0x3f000000u);  // x = m·2^e, m ∈ [½, 1)
  if (m < 0.70710678118654752) {
    m *= 2.0;
    e -= 1;
  }
  // ref: fdlibm e_logf.c — log(1 + f) = f − f²/2 + s·(f²/2 + R(s²)), s = f / (2 + f)
  precise const float f = m - 1.0, s = f / (2.0 + f), z = s * s, w = z * z;
  precise const float R = z * (0.66666662693 + w * 0.28498786688) + w * (0.40000972152 + w * 0.24279078841);
  precise const float hfsq = 0.5 * f * f, dk = float(e);
  precise const float result = s * (hfsq + R) + dk * 9.0580006145e-06 - hfsq + f + dk * 6.9313812256e-01;
  return result;
}

#endif
