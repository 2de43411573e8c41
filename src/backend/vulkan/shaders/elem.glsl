// Reading and writing one element of any dtype in a buffer of 32-bit words (binding BUF_IN /
// BUF_OUT words[]): the dtype codes are core/dtype.h's (0 f32, 1 f16, 2 bf16, 3 i32, 4 i64, 5 u8).
// 16- and 8-bit stores touch only their bits of the word (atomicAnd then atomicOr), so that
// neighbouring invocations may store to the same word.
#ifndef SAM3RT_ELEM_GLSL
#define SAM3RT_ELEM_GLSL

const int kF32 = 0, kF16 = 1, kBF16 = 2, kI32 = 3, kI64 = 4, kU8 = 5;

// The element's raw bits (zero-extended; i64: the low word, hi: the high word).
uint load_bits(uint idx, int dt, out uint hi) {
  hi = 0;
  if (dt == kF32 || dt == kI32) return src_words[idx];
  if (dt == kI64) {
    hi = src_words[2 * idx + 1];
    return src_words[2 * idx];
  }
  if (dt == kU8) return (src_words[idx >> 2] >> ((idx & 3u) * 8u)) & 0xffu;
  return (src_words[idx >> 1] >> ((idx & 1u) * 16u)) & 0xffffu;  // f16, bf16
}

float bits_to_float(uint bits, uint hi, int dt) {
  if (dt == kF32) return uintBitsToFloat(bits);
  if (dt == kF16) return unpackHalf2x16(bits).x;
  if (dt == kBF16) return uintBitsToFloat(bits << 16);
  if (dt == kI32) return float(int(bits));
  if (dt == kI64) return float(int(hi)) * 4294967296.0 + float(bits);
  return float(bits);  // u8
}

bool is_int(int dt) { return dt == kI32 || dt == kI64 || dt == kU8; }

// The bits of `dt` for a value: integers from `ival` (with its sign word `ihi`), floats from `fval`.
uint to_bits(float fval, int ival, int dt, out uint hi) {
  hi = 0;
  if (dt == kF32) return floatBitsToUint(fval);
  if (dt == kF16) return packHalf2x16(vec2(fval, 0.0)) & 0xffffu;
  if (dt == kBF16) {
    const uint u = floatBitsToUint(fval);
    if (isnan(fval)) return (u >> 16) | 0x40u;  // quiet NaN, sign kept
    return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // round to nearest even
  }
  if (dt == kI64) hi = ival < 0 ? 0xffffffffu : 0u;
  if (dt == kU8) return uint(ival) & 0xffu;
  return uint(ival);
}

void store_bits(uint idx, int dt, uint bits, uint hi) {
  if (dt == kF32 || dt == kI32) {
    dst_words[idx] = bits;
  } else if (dt == kI64) {
    dst_words[2 * idx] = bits;
    dst_words[2 * idx + 1] = hi;
  } else if (dt == kU8) {
    const uint shift = (idx & 3u) * 8u;
    atomicAnd(dst_words[idx >> 2], ~(0xffu << shift));
    atomicOr(dst_words[idx >> 2], bits << shift);
  } else {
    const uint shift = (idx & 1u) * 16u;
    atomicAnd(dst_words[idx >> 1], ~(0xffffu << shift));
    atomicOr(dst_words[idx >> 1], bits << shift);
  }
}

#endif
