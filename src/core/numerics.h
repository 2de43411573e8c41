// Process-wide numerics mode of the matrix products.
//
// kTf32 lets GPU matrix products use TF32 tensor cores, as PyTorch's allow_tf32 does (the official
// SAM 3 code turns it on at import): on CUDA the cuBLAS products (linear, matmul, convolutions)
// round their operands to TF32 and run several times faster; attention stays fp32, like the
// official fused SDPA. It has no effect on the CPU (no TF32 hardware): CPU kernels have one exact
// float32 path (BLAS sgemm, f64 in the reference kernels).
#pragma once

namespace sam3rt {

enum class MatmulPrecision {
  kF32,   // exact float32 operands (default)
  kTf32,  // GPU products may use TF32 tensor cores; the CPU stays exact
};

// Set from the application's thread before running a model; read by the GPU kernels.
void set_matmul_precision(MatmulPrecision p);
MatmulPrecision matmul_precision();

// Restores the previous setting when it goes out of scope.
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
