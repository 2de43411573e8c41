// Process-wide numerics mode of the matrix products.
//
// kTf32 lets GPU matrix products use TF32 tensor cores, as PyTorch's allow_tf32 does (the official
// SAM 3 code turns it on at import): on CUDA the cuBLAS products (linear, matmul, convolutions)
// round their operands to TF32 and run several times faster; attention stays fp32, like the
// official fused SDPA. It has no effect on the CPU (no TF32 hardware): CPU results stay exact.
//
// The default is exact float32 (BLAS sgemm, f64 in the reference kernels). kTf32Emulated
// reproduces what an NVIDIA tensor core computes for a float32 GEMM with TF32 enabled: each
// operand element is rounded to TF32 (10 explicit mantissa bits, round to nearest even) and the
// products are accumulated in float32. It exists only to compare with references that ran on a
// GPU with torch.backends.cuda.matmul.allow_tf32 / cudnn.allow_tf32 on (the official SAM 3
// model_builder sets both at import); it is slower (operand copies) and less accurate.
//
// Which products it covers mirrors cuBLAS/cuDNN: linear, matmul, conv2d and conv_transpose2d
// when the output has more than one row and more than one column (cuBLAS computes single-row
// or single-column products as GEMV, which never uses TF32). Attention has its own switch: a
// fused fp32 attention kernel (PyTorch's memory-efficient SDPA) does not use TF32, while the
// unfused "math" path (two batched GEMMs around a softmax) does.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace sam3rt {

enum class MatmulPrecision {
  kF32,           // exact float32 operands (default)
  kTf32Emulated,  // operands rounded to TF32 (round to nearest even), f32 accumulation
  kTf32,          // GPU products may use TF32 tensor cores; the CPU stays exact
};

// Set from the application's thread before running a model; read by the CPU kernels.
void set_matmul_precision(MatmulPrecision p);
MatmulPrecision matmul_precision();
// The two products inside attention (Q·Kᵀ and softmax(·)·V).
void set_attention_precision(MatmulPrecision p);
MatmulPrecision attention_precision();

// Restores both settings when it goes out of scope.
class ScopedNumerics {
 public:
  ScopedNumerics(MatmulPrecision matmul, MatmulPrecision attention);
  ~ScopedNumerics();
  ScopedNumerics(const ScopedNumerics&) = delete;
  ScopedNumerics& operator=(const ScopedNumerics&) = delete;

 private:
  MatmulPrecision matmul_, attention_;
};

// x rounded to TF32: 10 explicit mantissa bits, round to nearest, ties to even. Inf/NaN pass.
float round_tf32(float x);

// One matrix product as the kernels describe it to the TF32 decision: an [m, n] output with
// inner dimension k; for convolutions also the input channels and the kernel size.
// kAttention: the Q·Kᵀ product of one attention call (m = Lq, n = Lk, k = head dim), asked only
// under attention_precision() == kTf32Emulated; the P·V product follows its decision.
enum class GemmKind { kLinear, kMatmul, kConv2d, kConvTranspose2d, kAttention };
struct GemmSite {
  GemmKind kind;
  int64_t m = 0, n = 0, k = 0;
  int64_t in_channels = 0, kernel_h = 0, kernel_w = 0;  // convolutions only
};

// Which products run in TF32 under kTf32Emulated. The default (nullptr restores it) is cuBLAS's
// rule: every product with m > 1 and n > 1. GPU libraries choose per shape (cuDNN may pick a
// non-tensor-core algorithm for some convolutions), so a caller matching a particular
// reference can describe that reference's choices here. Set it, like the mode, before running.
using Tf32Filter = bool (*)(const GemmSite& site);
void set_tf32_filter(Tf32Filter filter);
bool default_tf32_filter(const GemmSite& site);

// True when this product is emulated in TF32 under the current mode (attention_precision() for
// kAttention, matmul_precision() otherwise) and filter.
bool tf32_gemm(const GemmSite& site);

// A contiguous f32 copy of x with every element rounded to TF32 (x itself is never modified).
Tensor tf32_rounded(const Tensor& x);

}  // namespace sam3rt
