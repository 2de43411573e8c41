// bf16 matrix products with float32 accumulation for `--precision bf16` on the CPU
// (MatmulPrecision::kBf16, core/numerics.h): operands rounded to bf16 (round-to-nearest-even, as
// PyTorch's autocast casts them), products summed in f32, f32 results. The products run on oneDNN's
// matmul primitive, which dispatches by CPUID to AMX tiles (AMX-BF16) or AVX-512-BF16 dot products
// (`vdpbf16ps`); bench/NOTES.md says why oneDNN and not our own micro-kernels.
#pragma once

#include <cstdint>
#include <string>

namespace sam3rt::cpu {

// Whether this CPU executes bf16 dot products in hardware (CPUID, and the OS saves the AVX-512 /
// AMX state), and the one-line reason when bf16 cannot run here ("" when it can).
bool cpu_has_avx512_bf16();
bool cpu_has_amx_bf16();
std::string bf16_unavailable_reason();

// A matrix operand of gemm_bf16: f32 (rounded to bf16 in a scratch copy) or bf16 (used in place).
// Element (i, j) of op(X) is at data[i * ld + j], or data[j * ld + i] when trans.
struct Bf16Operand {
  const void* data = nullptr;
  bool is_bf16 = false;  // data holds uint16_t bf16 values; else float
  bool trans = false;
  int64_t ld = 0;
};

// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C (+ bias[n] when given), row-major C with
// row stride ldc. Multithreaded over the pool's threads when called outside a parallel region,
// single-threaded inside one (attention's per-block products). Throws kUnsupported when
// bf16_unavailable_reason() is not empty.
void gemm_bf16(int64_t m, int64_t n, int64_t k, float alpha, const Bf16Operand& a, const Bf16Operand& b,
               float beta, float* c, int64_t ldc, const float* bias = nullptr);

// C = alpha · op(A) · op(B) + beta · C on f32 operands: BLAS sgemm, or gemm_bf16 when `bf16` (the
// caller reads matmul_precision() once on its own thread: pool workers do not see its Context).
void gemm_f32_operands(bool bf16, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                       int64_t ldc);

}  // namespace sam3rt::cpu
