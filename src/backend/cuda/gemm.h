// Row-major GEMM on cuBLAS for the CUDA kernels (linalg.cu implements it; conv.cu uses it too):
// f32 operands and output; under `--precision bf16` the operands are rounded to bf16 and the
// products accumulate in f32 (bf16-operands.cu).
// cuBLAS is column-major: a row-major C[M, N] = A[M, K]·B[K, N] is computed as the column-major
// Cᵀ = Bᵀ·Aᵀ, and an operand stored column-major (a transposed view) is passed with the transpose
// flag instead of being copied. Host-only header (usable from .cpp and .cu).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace sam3rt::cuda {

// A matrix operand [rows, cols] as cuBLAS can read it: element (r, c) at data[r·ld + c]
// (row_major) or data[r + c·ld] (column-major).
struct GemmOperand {
  const float* data = nullptr;
  bool row_major = true;
  int64_t ld = 1;
  // The same matrices already in bf16 with the same layout (ld and batch stride in elements), or
  // null: a bf16 GEMM then converts `data` itself. Set for cached weights (bf16_weight).
  const void* bf16 = nullptr;

  // The operand `elements` further on (both copies).
  GemmOperand shifted(int64_t elements) const {
    GemmOperand o = *this;
    o.data += elements;
    if (bf16) o.bf16 = static_cast<const uint16_t*>(bf16) + elements;
    return o;
  }
};

// Describes the matrix [rows, cols] with element strides (stride_r, stride_c) starting at `data`
// as a GemmOperand; false when neither layout fits (the caller makes a contiguous copy).
bool gemm_operand(const float* data, int64_t rows, int64_t cols, int64_t stride_r, int64_t stride_c,
                  GemmOperand* out);
// The same for the last two dimensions of an f32 tensor with at least 2 dimensions.
bool gemm_operand(const Tensor& t, GemmOperand* out);

// cuBLAS takes int sizes; one strided-batched call takes at most kGemmMaxBatchPerCall products
// (the batch may map onto a grid dimension limited to 65535, so larger batches are split).
inline constexpr int64_t kGemmIntMax = 2147483647;
inline constexpr int64_t kGemmMaxBatchPerCall = 65535;

// C[i] = A[i]·B[i] + beta·C[i] for i < batch, with A[i] = a.data + i·stride_a (likewise B, C;
// a stride may be 0 to broadcast an operand). A: [m, k], B: [k, n], C: [m, n] row-major with row
// stride ldc ≥ n. Needs k > 0 (callers fill the result themselves for k == 0). Queued on the
// device's stream; the caller holds a DeviceGuard for `device`.
void gemm(int device, int64_t m, int64_t n, int64_t k, const GemmOperand& a, int64_t stride_a, const GemmOperand& b,
          int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c, int64_t batch = 1);

// gemm() under `--precision tf32x3` (tf32x3.cu): float32-accurate products from three TF32
// tensor-core products (each operand split into a TF32 part and a TF32 remainder). Same contract
// as gemm(); the caller holds a DeviceGuard.
void gemm_tf32x3(int device, int64_t m, int64_t n, int64_t k, const GemmOperand& a, int64_t stride_a,
                 const GemmOperand& b, int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                 int64_t batch);

// --- bf16 operands (bf16-operands.cu) -----------------------------------------------------------
// Whether the calling thread's products take bf16 operands (matmul_precision() == kBf16).
bool bf16_products();

// `batch` matrices of `outer` rows of `inner` contiguous f32 values (row stride ld, matrix stride
// `stride`; 0 = one matrix shared by the batch) packed as bf16: [batch][outer][inner].
struct Bf16Matrices {
  Tensor storage;  // keeps the packed values alive until the queued GEMM has read them
  const void* data = nullptr;
  int64_t ld = 0, stride = 0;
};
Bf16Matrices pack_bf16(int device, const float* data, int64_t outer, int64_t inner, int64_t ld,
                       int64_t stride, int64_t batch);

// The bf16 copy (contiguous, same shape) of the f32 weight `w`, converted on first use and kept
// while w's storage lives: a model's weights are rounded once, not per call.
Tensor bf16_weight(const Tensor& w);

// y[m, n] (f32, row stride ldc) = A[m, k]·B[k, n] + bias[n] with bf16 A and B (row-major or not,
// leading dimension lda / ldb, as GemmOperand) in one cuBLASLt call with a bias epilogue
// (gemm-lt.cpp). False, with nothing queued, when cuBLASLt offers no algorithm for the shape or
// the bias is not 16-byte aligned: the caller then fills y with the bias and calls gemm().
bool lt_bf16_bias(int device, int64_t m, int64_t n, int64_t k, const void* a, bool a_row_major, int64_t lda,
                  const void* b, bool b_row_major, int64_t ldb, const float* bias, float* c, int64_t ldc);

// y (contiguous f32) ← the bias broadcast over the rest: y[i] = b[(i / inner) % b.numel()];
// zeros when b is undefined. Used to initialise outputs before a GEMM with beta = 1.
void fill_bias(const Tensor& y, const Tensor& b, int64_t inner);

}  // namespace sam3rt::cuda
