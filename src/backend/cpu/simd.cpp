#include "backend/cpu/simd.h"

namespace sam3rt::cpu {

const char* simd_isa() {
#if defined(__aarch64__) || defined(__arm__)
#if defined(__ARM_NEON)
  return "neon"
#if defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC)
         "+fp16"
#endif
#if defined(__ARM_FEATURE_BF16)
         "+bf16"
#endif
#if defined(__ARM_FEATURE_DOTPROD)
         "+dotprod"
#endif
#if defined(__ARM_FEATURE_SVE)
         "+sve"
#endif
      ;
#else
  return "scalar";
#endif
#elif defined(__x86_64__) || defined(__i386__)
#if defined(__AVX512F__)
  return "avx512f";
#elif defined(__AVX2__) && defined(__FMA__)
  return "avx2+fma";
#elif defined(__AVX__)
  return "avx";
#elif defined(__SSE2__)
  return "sse2";
#else
  return "scalar";
#endif
#else
  return "scalar";
#endif
}

}  // namespace sam3rt::cpu
