// `--precision tf32x3` (core/numerics.h): float32-accurate GEMMs on TF32 tensor cores.
//
// A TF32 tensor-core product keeps 10 mantissa bits of each operand (float32 keeps 23), so plain
// TF32 is ~1e-3 off. Splitting each operand x = hi + lo with hi = tf32(x) and lo = tf32(x − hi)
// (both exact TF32 values; x − hi − lo is below 2^-22·|x|) gives
//     a·b = hi_a·hi_b + hi_a·lo_b + lo_a·hi_b + lo_a·lo_b,
// and the last term (below 2^-22·|a·b|) is dropped: three TF32 products, accumulated in float32 by
// the tensor cores, reproduce the float32 product to a few units of float32's last place. The three
// products run as ONE GEMM over a K three times longer,
//     A' = [hi_a | hi_a | lo_a]  (m × 3k),   B' = [hi_b ; lo_b ; hi_b]  (3k × n),
// so C = A'·B' needs one cuBLAS call (one pass over C; the small products interleave with the large
// ones inside the float32 accumulation). The operands are packed in the layout they came in (rows
// or columns concatenated along K), so a transposed view stays a transpose flag.
//
// ref: the official code has no such mode (PyTorch offers fp32 or TF32); its float32 results are
// the reference this mode is held to (tests/cuda/test-cuda-tf32x3.cpp).
#include <cuda_runtime.h>

#include <algorithm>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/gemm.h"
#include "core/numerics.h"

namespace sam3rt::cuda {

namespace {

// x rounded to the nearest TF32 value (10 explicit mantissa bits; ties away from zero, as the
// hardware's cvt.rna). Infinities and NaNs pass through; a finite value that would round past the
// largest float is truncated instead, so hi stays finite and lo finite.
__device__ __forceinline__ float round_tf32(float x) {
  const uint32_t bits = __float_as_uint(x);
  if ((bits & 0x7f800000u) == 0x7f800000u) return x;  // inf or NaN
  const uint32_t rounded = (bits + 0x1000u) & 0xffffe000u;
  if ((rounded & 0x7f800000u) == 0x7f800000u) return __uint_as_float(bits & 0xffffe000u);
  return __uint_as_float(rounded);
}

// The split of x: part 0 = hi, part 1 = lo.
__device__ __forceinline__ float split_part(float x, int part) {
  const float hi = round_tf32(x);
  if (part == 0) return hi;
  const float rest = x - hi;  // exact: x and hi share the leading bits
  return isfinite(rest) ? round_tf32(rest) : 0.f;
}

// One operand of `batch` matrices, packed for the K-tripled product. The source matrix b sits at
// src + b·stride with `outer` lines of `inner` contiguous values (line stride ld); K runs along the
// inner dimension (k_inner) or along the outer one. The packed copy has the same orientation with
// K tripled: [batch][outer][3·inner] or [batch][3·outer][inner], segment s of K holding part
// parts[s] (0 = hi, 1 = lo) of the source.
struct SplitArgs {
  float* dst;
  const float* src;
  int64_t outer, inner, ld, stride, n;  // n = batch·outer·inner·3
  bool k_inner;
  int part0, part1, part2;
};

__global__ void pack_split_kernel(SplitArgs a) {
  const int64_t line = a.k_inner ? 3 * a.inner : a.inner;   // packed line length
  const int64_t lines = a.k_inner ? a.outer : 3 * a.outer;  // packed lines per matrix
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < a.n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % line, r = (i / line) % lines, b = i / (line * lines);
    int64_t segment, o, col;
    if (a.k_inner) {
      segment = c / a.inner;
      o = r;
      col = c % a.inner;
    } else {
      segment = r / a.outer;
      o = r % a.outer;
      col = c;
    }
    const int part = segment == 0 ? a.part0 : segment == 1 ? a.part1 : a.part2;
    a.dst[i] = split_part(__ldg(a.src + b * a.stride + o * a.ld + col), part);
  }
}

// A packed operand: storage, leading dimension and matrix stride of the packed copy.
struct SplitOperand {
  Tensor storage;
  int64_t ld = 0, stride = 0;
  const float* data() const { return storage.data<float>(); }
};

// `op` ([rows, cols] as GemmOperand; K is cols for A, rows for B) packed with the three parts.
SplitOperand pack_split(int device, const GemmOperand& op, int64_t rows, int64_t cols, int64_t stride,
                        int64_t batch, bool is_a) {
  // Row-major [rows, cols]: lines are rows. Column-major: lines are columns.
  const int64_t outer = op.row_major ? rows : cols, inner = op.row_major ? cols : rows;
  // A's K is its columns, B's K its rows.
  const bool k_inner = is_a ? op.row_major : !op.row_major;
  if (stride == 0) batch = 1;  // a broadcast operand is packed once and read with stride 0
  SplitOperand out;
  const int64_t n = batch * outer * inner * 3;
  out.storage = Tensor::empty({n}, DType::kF32, Device::cuda(device));
  out.ld = k_inner ? 3 * inner : inner;
  out.stride = stride == 0 ? 0 : outer * inner * 3;
  SplitArgs a{out.storage.data<float>(), op.data, outer, inner, op.ld, stride, n, k_inner, 0, 0, 1};
  if (!is_a) a.part1 = 1, a.part2 = 0;  // B' = [hi; lo; hi] against A' = [hi | hi | lo]
  pack_split_kernel<<<blocks_for(n), kThreads, 0, stream(device)>>>(a);
  check_launch("pack_split");
  return out;
}

}  // namespace

void gemm_tf32x3(int device, int64_t m, int64_t n, int64_t k, const GemmOperand& a, int64_t stride_a,
                 const GemmOperand& b, int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                 int64_t batch) {
  const cublasHandle_t h = cublas(device);
  const SplitOperand pa = pack_split(device, a, m, k, stride_a, batch, true);
  const SplitOperand pb = pack_split(device, b, k, n, stride_b, batch, false);
  const int64_t k3 = 3 * k;
  SAM3RT_CHECK(k3 <= kGemmIntMax && pa.ld <= kGemmIntMax && pb.ld <= kGemmIntMax, kUnsupported,
               "CUDA GEMM (tf32x3): sizes ", m, "x", n, "x", k, " exceed cuBLAS's 32-bit limits");
  check(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  const cublasOperation_t op_a = a.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const cublasOperation_t op_b = b.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const float one = 1.f;
  // Row-major C = A'·B' is column-major Cᵀ = B'ᵀ·A'ᵀ (see linalg.cu gemm()).
  if (batch == 1) {
    check(cublasGemmEx(h, op_b, op_a, int(n), int(m), int(k3), &one, pb.data(), CUDA_R_32F, int(pb.ld),
                       pa.data(), CUDA_R_32F, int(pa.ld), &beta, c, CUDA_R_32F, int(ldc),
                       CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx(tf32x3)");
    return;
  }
  for (int64_t start = 0; start < batch; start += kGemmMaxBatchPerCall) {
    const int64_t count = std::min(kGemmMaxBatchPerCall, batch - start);
    check(cublasGemmStridedBatchedEx(h, op_b, op_a, int(n), int(m), int(k3), &one,
                                     pb.data() + start * pb.stride, CUDA_R_32F, int(pb.ld), pb.stride,
                                     pa.data() + start * pa.stride, CUDA_R_32F, int(pa.ld), pa.stride, &beta,
                                     c + start * stride_c, CUDA_R_32F, int(ldc), stride_c, int(count),
                                     CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT),
          "cublasGemmStridedBatchedEx(tf32x3)");
  }
}

}  // namespace sam3rt::cuda
