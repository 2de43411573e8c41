// Numerics mode of the matrix products: a process default, overridden per call by the calling
// thread's Context (core/context.h).
//
// kTf32 lets GPU matrix products use TF32 tensor cores, as PyTorch's allow_tf32 does (the official
// SAM 3 code turns it on at import): on CUDA the cuBLAS products (linear, matmul, convolutions)
// round their operands to TF32 and run several times faster; attention stays fp32, like the
// official fused SDPA. It has no effect on the CPU (no TF32 hardware): CPU kernels have one exact
// float32 path (BLAS sgemm, f64 in the reference kernels).
#pragma once

#include <string>

namespace sam3rt {

enum class MatmulPrecision {
  kF32,   // exact float32 operands (default)
  kTf32,  // GPU products may use TF32 tensor cores; the CPU stays exact
  // float32-accurate products on TF32 tensor cores: each operand split into a TF32 part and a TF32
  // remainder, three tensor-core products per product (error-compensated "3xTF32"); attention
  // through the same products. Errors of the order of float32's own rounding (the fp32 parity bars
  // hold), several times the speed of plain fp32 on GPUs with TF32 tensor cores. The CPU (and any
  // backend without TF32) computes exact float32.
  kTf32x3,
  // bf16 operands with float32 accumulation in the matrix products (linear, matmul, convolution,
  // attention), float32 elsewhere, as the official code's bf16 autocast. Only on backends whose
  // table says they have it (Backend::bf16_unavailable); refused elsewhere.
  kBf16,
};

// "fp32" | "tf32" | "tf32x3" | "bf16" (throws kInvalidArgument on anything else) and back.
MatmulPrecision parse_matmul_precision(const std::string& name);
const char* matmul_precision_name(MatmulPrecision p);

// The process default, for calls whose Context leaves the precision unset (thread-safe).
void set_matmul_precision(MatmulPrecision p);
// What the calling thread's current call uses: its Context's precision, else the process default.
// Read by the GPU kernels.
MatmulPrecision matmul_precision();

// Sets the process default and restores the previous one when it goes out of scope.
class ScopedNumerics {
 public:
  explicit ScopedNumerics(MatmulPrecision matmul);
  ~ScopedNumerics();
  ScopedNumerics(const ScopedNumerics&) = delete;
  ScopedNumerics& operator=(const ScopedNumerics&) = delete;

 private:
  MatmulPrecision matmul_;
};

}  // namespace sam3rt
