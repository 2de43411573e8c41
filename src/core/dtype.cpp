#include "core/dtype.h"

#include "core/error.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace sam3rt {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kBF16: return 2;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
    case DType::kU8: return 1;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kI32: return "i32";
    case DType::kI64: return "i64";
    case DType::kU8: return "u8";
  }
  return "?";
}

DType parse_dtype(const std::string& name) {
  if (name == "f32" || name == "float32" || name == "F32") return DType::kF32;
  if (name == "f16" || name == "float16" || name == "F16") return DType::kF16;
  if (name == "bf16" || name == "bfloat16" || name == "BF16") return DType::kBF16;
  if (name == "i32" || name == "int32" || name == "I32") return DType::kI32;
  if (name == "i64" || name == "int64" || name == "I64") return DType::kI64;
  if (name == "u8" || name == "uint8" || name == "U8") return DType::kU8;
  fail(ErrorCode::kInvalidArgument, "unknown dtype '", name, "' (expected f32, f16, bf16, i32, i64 or u8)");
}

bool dtype_is_float(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

// IEEE binary16 <-> binary32, handling subnormals, infinities and NaN, round-to-nearest-even.
uint16_t f32_to_f16(float f) {
  uint32_t x = f32_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));  // NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf (incl. rounding)
  if (abs < 0x38800000u) {  // result is subnormal or zero
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);  // < 2^-25 rounds to 0
    uint32_t e = abs >> 23;
    uint32_t m = (abs & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;  // 14 + (112 - e) ... shift so that the value is in units of 2^-24
    uint32_t r = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) r++;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15 (112 << 23)
  uint32_t mant_rem = r & 0x1fffu;
  r >>= 13;
  if (mant_rem > 0x1000u || (mant_rem == 0x1000u && (r & 1u))) r++;
  return static_cast<uint16_t>(sign | r);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu;
  uint32_t m = h & 0x3ffu;
  if (e == 0) {
    if (m == 0) return bits_f32(sign);
    // subnormal: value = m * 2^-24
    float v = static_cast<float>(m) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  if (e == 31) return bits_f32(sign | 0x7f800000u | (m << 13));
  return bits_f32(sign | ((e + 112) << 23) | (m << 13));
}

// Bulk conversions. On Arm they use the NEON conversion instructions of the base ARMv8 ISA
// (FCVTL/FCVTN, round to nearest even under Linux's default FPCR: no flush to zero, no default
// NaN), which give the scalar functions' bits for every input except that a signalling f16 NaN
// comes back quiet (as x86's F16C also does); bf16 is integer arithmetic, bit-identical to
// f32_to_bf16/bf16_to_f32. Elsewhere the compiler vectorises what it can of the scalar loops.
#if defined(__aarch64__) && defined(__ARM_NEON)
void convert_f16_to_f32(const uint16_t* src, float* dst, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(src + i));
    vst1q_f32(dst + i, vcvt_f32_f16(vget_low_f16(h)));
    vst1q_f32(dst + i + 4, vcvt_high_f32_f16(h));
  }
  // The tail with the same instruction (scalar FCVT), so that NaNs do not depend on the position.
  for (; i < n; ++i) {
    __fp16 h;
    std::memcpy(&h, src + i, 2);
    dst[i] = static_cast<float>(h);
  }
}
void convert_f32_to_f16(const float* src, uint16_t* dst, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(src + i)), vld1q_f32(src + i + 4));
    vst1q_u16(dst + i, vreinterpretq_u16_f16(h));
  }
  for (; i < n; ++i) {
    const __fp16 h = static_cast<__fp16>(src[i]);
    std::memcpy(dst + i, &h, 2);
  }
}
void convert_bf16_to_f32(const uint16_t* src, float* dst, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint16x8_t h = vld1q_u16(src + i);
    vst1q_f32(dst + i, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16)));
    vst1q_f32(dst + i + 4, vreinterpretq_f32_u32(vshll_high_n_u16(h, 16)));
  }
  for (; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}
void convert_f32_to_bf16(const float* src, uint16_t* dst, size_t n) {
  // f32_to_bf16 four lanes at a time: NaN → quiet bit set and truncated; otherwise
  // u + 0x7fff + (bit 16 of u), the top half kept (round to nearest even).
  auto four = [](const float* p) {
    const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(p));
    const uint32x4_t is_nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffffu)), vdupq_n_u32(0x7f800000u));
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1u));
    const uint32x4_t rounded = vaddq_u32(vaddq_u32(u, vdupq_n_u32(0x7fffu)), odd);
    return vshrn_n_u32(vbslq_u32(is_nan, vorrq_u32(u, vdupq_n_u32(0x00400000u)), rounded), 16);
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vst1q_u16(dst + i, vcombine_u16(four(src + i), four(src + i + 4)));
  for (; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}
#else
void convert_f16_to_f32(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}
void convert_f32_to_f16(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}
void convert_bf16_to_f32(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}
void convert_f32_to_bf16(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}
#endif

}  // namespace sam3rt
