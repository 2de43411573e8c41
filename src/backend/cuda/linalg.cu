// Linear algebra on cuBLAS: linear and matmul, plus the row-major GEMM wrapper (gemm.h) that the
// convolutions share. fp32 math by default (CUBLAS_PEDANTIC_MATH: results comparable with the CPU
// kernels); TF32 tensor cores when matmul_precision() asks for them (core/numerics.h); bf16
// operands with f32 accumulation under `--precision bf16` (weights converted once and cached,
// bf16-operands.cu).
#include <cuda_bf16.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/gemm.h"
#include "core/numerics.h"

namespace sam3rt::cuda {

namespace {

constexpr int64_t kIntMax = kGemmIntMax;
constexpr int64_t kMaxBatchPerCall = kGemmMaxBatchPerCall;
// A matmul whose broadcast batch does not collapse to one strided batch loops over the outer
// part; above this many GEMM calls the operands are materialised instead (one call).
constexpr int64_t kMaxBatchLoop = 64;

__global__ void fill_bias_kernel(float* y, const float* b, int64_t nb, int64_t inner, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = b[(i / inner) % nb];
}

// The stride between consecutive rows of x viewed as [rows, in] (every dimension but the last
// collapsed into one); false when the leading dimensions do not collapse to a single stride.
bool collapsed_row_stride(const Tensor& x, int64_t* stride) {
  *stride = std::max<int64_t>(x.size(-1), 1);  // any value serves when there is one row
  bool first = true;
  int64_t expect = 0;
  for (int d = x.dim() - 2; d >= 0; --d) {
    if (x.size(d) == 1) continue;  // a size-1 dimension's stride is never used
    if (first) {
      *stride = x.stride(d);
      first = false;
    } else if (x.stride(d) != expect) {
      return false;
    }
    expect = x.stride(d) * x.size(d);
  }
  return true;
}

// The broadcast batch dimensions of a matmul with adjacent dimensions merged wherever both
// operands allow it (size-1 dimensions dropped). The output is contiguous, so it always merges.
struct BatchDims {
  std::vector<int64_t> size, stride_a, stride_b;
};

BatchDims collapse_batch(const Tensor& a, const Tensor& b, int nlead) {
  BatchDims d;
  for (int i = 0; i < nlead; ++i) {
    const int64_t s = a.size(i);  // == b.size(i): both are expanded to the broadcast shape
    if (s == 1) continue;
    if (!d.size.empty() && d.stride_a.back() == a.stride(i) * s && d.stride_b.back() == b.stride(i) * s) {
      d.size.back() *= s;
      d.stride_a.back() = a.stride(i);
      d.stride_b.back() = b.stride(i);
    } else {
      d.size.push_back(s);
      d.stride_a.push_back(a.stride(i));
      d.stride_b.push_back(b.stride(i));
    }
  }
  return d;
}

// The bf16 operand of a GEMM: the cached copy when the caller has one, else `a` packed now.
// (rows, cols) is the matrix's logical shape.
struct Bf16Operand {
  Bf16Matrices packed;
  const __nv_bfloat16* data = nullptr;
  int64_t ld = 0, stride = 0;
};

Bf16Operand bf16_operand(int device, const GemmOperand& a, int64_t rows, int64_t cols, int64_t stride,
                         int64_t batch) {
  Bf16Operand o;
  if (a.bf16) {
    o.data = static_cast<const __nv_bfloat16*>(a.bf16);
    o.ld = a.ld;
    o.stride = stride;
    return o;
  }
  o.packed = a.row_major ? pack_bf16(device, a.data, rows, cols, a.ld, stride, batch)
                         : pack_bf16(device, a.data, cols, rows, a.ld, stride, batch);
  o.data = static_cast<const __nv_bfloat16*>(o.packed.data);
  o.ld = o.packed.ld;
  o.stride = o.packed.stride;
  return o;
}

// gemm() under --precision bf16: bf16 A and B, f32 C, f32 accumulation (CUBLAS_COMPUTE_32F), as
// the official code's autocast runs its products.
void gemm_bf16(cublasHandle_t h, int device, int64_t m, int64_t n, int64_t k, const GemmOperand& a,
               int64_t stride_a, const GemmOperand& b, int64_t stride_b, float beta, float* c, int64_t ldc,
               int64_t stride_c, int64_t batch) {
  const Bf16Operand pa = bf16_operand(device, a, m, k, stride_a, batch);
  const Bf16Operand pb = bf16_operand(device, b, k, n, stride_b, batch);
  SAM3RT_CHECK(pa.ld <= kIntMax && pb.ld <= kIntMax, kUnsupported,
               "CUDA GEMM: leading dimension exceeds 32 bits");
  check(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  const cublasOperation_t op_a = a.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const cublasOperation_t op_b = b.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const float one = 1.f;
  if (batch == 1) {
    check(cublasGemmEx(h, op_b, op_a, int(n), int(m), int(k), &one, pb.data, CUDA_R_16BF, int(pb.ld), pa.data,
                       CUDA_R_16BF, int(pa.ld), &beta, c, CUDA_R_32F, int(ldc), CUBLAS_COMPUTE_32F,
                       CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx(bf16)");
    return;
  }
  for (int64_t start = 0; start < batch; start += kMaxBatchPerCall) {
    const int64_t count = std::min(kMaxBatchPerCall, batch - start);
    check(cublasGemmStridedBatchedEx(h, op_b, op_a, int(n), int(m), int(k), &one, pb.data + start * pb.stride,
                                     CUDA_R_16BF, int(pb.ld), pb.stride, pa.data + start * pa.stride,
                                     CUDA_R_16BF, int(pa.ld), pa.stride, &beta, c + start * stride_c,
                                     CUDA_R_32F, int(ldc), stride_c, int(count), CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT),
          "cublasGemmStridedBatchedEx(bf16)");
  }
}

}  // namespace

bool gemm_operand(const float* data, int64_t rows, int64_t cols, int64_t stride_r, int64_t stride_c,
                  GemmOperand* out) {
  // cuBLAS needs ld ≥ max(1, extent of the contiguous dimension) and an int ld. A dimension of
  // size 1 places no constraint on its stride.
  if (cols == 1 || stride_c == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : stride_r;
    if (ld >= std::max<int64_t>(cols, 1) && ld <= kIntMax) {
      *out = {data, true, ld};
      return true;
    }
  }
  if (rows == 1 || stride_r == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : stride_c;
    if (ld >= std::max<int64_t>(rows, 1) && ld <= kIntMax) {
      *out = {data, false, ld};
      return true;
    }
  }
  return false;
}

bool gemm_operand(const Tensor& t, GemmOperand* out) {
  return gemm_operand(t.data<float>(), t.size(-2), t.size(-1), t.stride(-2), t.stride(-1), out);
}

void gemm(int device, int64_t m, int64_t n, int64_t k, const GemmOperand& a, int64_t stride_a, const GemmOperand& b,
          int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  SAM3RT_ASSERT(k > 0 && ldc >= n, "gemm: k = ", k, ", ldc = ", ldc, ", n = ", n);
  SAM3RT_CHECK(m <= kIntMax && n <= kIntMax && k <= kIntMax && a.ld <= kIntMax && b.ld <= kIntMax && ldc <= kIntMax,
               kUnsupported, "CUDA GEMM: sizes ", m, "x", n, "x", k, " exceed cuBLAS's 32-bit limits");
  const cublasHandle_t h = cublas(device);
  if (bf16_products()) {
    gemm_bf16(h, device, m, n, k, a, stride_a, b, stride_b, beta, c, ldc, stride_c, batch);
    return;
  }
  if (matmul_precision() == MatmulPrecision::kTf32x3) {  // float32 accuracy on tensor cores (tf32x3.cu)
    gemm_tf32x3(device, m, n, k, a, stride_a, b, stride_b, beta, c, ldc, stride_c, batch);
    return;
  }
  // TF32 tensor cores only when asked for (core/numerics.h); fp32 by default.
  const bool tf32 = matmul_precision() == MatmulPrecision::kTf32;
  check(cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
  // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: a row-major operand is already its transpose
  // in column-major terms (OP_N), a column-major one needs OP_T.
  const cublasOperation_t op_a = a.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const cublasOperation_t op_b = b.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const float one = 1.f;
  if (batch == 1) {
    check(cublasSgemm(h, op_b, op_a, int(n), int(m), int(k), &one, b.data, int(b.ld), a.data, int(a.ld), &beta, c,
                      int(ldc)),
          "cublasSgemm");
    return;
  }
  for (int64_t start = 0; start < batch; start += kMaxBatchPerCall) {
    const int64_t count = std::min(kMaxBatchPerCall, batch - start);
    check(cublasSgemmStridedBatched(h, op_b, op_a, int(n), int(m), int(k), &one, b.data + start * stride_b, int(b.ld),
                                    stride_b, a.data + start * stride_a, int(a.ld), stride_a, &beta,
                                    c + start * stride_c, int(ldc), stride_c, int(count)),
          "cublasSgemmStridedBatched");
  }
}

void fill_bias(const Tensor& y, const Tensor& b, int64_t inner) {
  SAM3RT_ASSERT(y.is_contiguous() && inner > 0, "fill_bias: y ", y.str(), ", inner ", inner);
  if (y.numel() == 0) return;
  if (!b.defined() || b.numel() == 0) {
    fill(y, 0.f);
    return;
  }
  const Tensor bc = b.contiguous();
  const int64_t n = y.numel();
  fill_bias_kernel<<<blocks_for(n), kThreads, 0, stream(device_index(y))>>>(y.data<float>(), bc.data<float>(),
                                                                            bc.numel(), inner, n);
  check_launch("fill_bias");
}

// ref: backend/cpu/reference/ref-linalg.cpp linear
// x: [..., in], w: [out, in], b: [out] or undefined → [..., out]
Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& b) {
  const int64_t in = w_in.size(1), out = w_in.size(0);
  Shape out_shape = x_in.shape();
  out_shape[out_shape.size() - 1] = out;
  Tensor y = Tensor::empty(out_shape, DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const int64_t rows = y.numel() / out;
  if (in == 0) {  // no products: the bias alone
    fill_bias(y, b, 1);
    return y;
  }

  // x as [rows, in]: in place when the leading dims collapse (row slices, transposed 2-D views),
  // else a contiguous copy.
  Tensor x = x_in;
  GemmOperand xa;
  int64_t row_stride = 0;
  if (!(collapsed_row_stride(x, &row_stride) &&
        gemm_operand(x.data<float>(), rows, in, row_stride, x.stride(-1), &xa))) {
    x = x_in.contiguous();
    const bool ok = gemm_operand(x.data<float>(), rows, in, in, 1, &xa);
    SAM3RT_ASSERT(ok, "linear: contiguous x ", x.str());
  }
  // wᵀ: [in, out]
  Tensor w = w_in;
  GemmOperand wt;
  if (bf16_products()) {  // the cached bf16 copy of w: contiguous [out, in], so wᵀ is column-major
    wt = GemmOperand{nullptr, false, in, bf16_weight(w_in).raw_data()};
  } else if (!gemm_operand(w.data<float>(), in, out, w.stride(1), w.stride(0), &wt)) {
    w = w_in.contiguous();
    const bool ok = gemm_operand(w.data<float>(), in, out, 1, in, &wt);
    SAM3RT_ASSERT(ok, "linear: contiguous w ", w.str());
  }
  Bf16Operand xb;  // bf16 products with a bias: x packed once, for cuBLASLt or the plain path
  if (bf16_products() && b.defined()) {
    xb = bf16_operand(index, xa, rows, in, 0, 1);
    const Tensor bc = b.contiguous();
    // One kernel: the bias added in the GEMM's epilogue.
    if (lt_bf16_bias(index, rows, out, in, xb.data, xa.row_major, xb.ld, wt.bf16, wt.row_major, wt.ld,
                     bc.data<float>(), y.data<float>(), out))
      return y;
    xa = GemmOperand{nullptr, xa.row_major, xb.ld, xb.data};
  }
  // y starts as the bias rows; the GEMM with beta = 1 adds onto them.
  if (b.defined()) fill_bias(y, b, 1);
  gemm(index, rows, out, in, xa, 0, wt, 0, b.defined() ? 1.f : 0.f, y.data<float>(), out, 0, 1);
  return y;
}

// ref: backend/cpu/reference/ref-linalg.cpp matmul
// a: [..., M, K], b: [..., K, N] (leading dims broadcast) → [..., M, N]
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
  const MatmulBroadcast shapes = broadcast_for_matmul(a_in, b_in);
  const Shape& lead = shapes.lead;
  Tensor y = Tensor::empty(shapes.out, DType::kF32, a_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(a_in);
  DeviceGuard guard(index);
  if (k == 0) {
    fill(y, 0.f);
    return y;
  }

  // Matrix layouts first: a copy, when one is needed, is made before broadcasting (small).
  Tensor a = a_in, b = b_in;
  GemmOperand ga, gb;
  if (!gemm_operand(a, &ga)) a = a.contiguous();
  if (!gemm_operand(b, &gb)) b = b.contiguous();
  // Broadcast dims get stride 0: cuBLAS reads a shared operand in place.
  MatmulBroadcast mb = broadcast_for_matmul(a, b);
  a = mb.a;
  b = mb.b;
  const int nlead = lead.size();
  BatchDims d = collapse_batch(a, b, nlead);
  // GEMM calls needed: one strided batch per index of the dimensions outside the innermost.
  const auto outer_count = [](const BatchDims& bd) {
    int64_t c = 1;
    for (size_t i = 0; i + 1 < bd.size.size(); ++i) c *= bd.size[i];
    return c;
  };
  if (outer_count(d) > kMaxBatchLoop) {  // irregular broadcast over many products: materialise both
    a = a.contiguous();
    b = b.contiguous();
    d = collapse_batch(a, b, nlead);  // contiguous operands collapse to one dimension
  }
  const int64_t outer = outer_count(d);
  const bool ok = gemm_operand(a, &ga) && gemm_operand(b, &gb);
  SAM3RT_ASSERT(ok, "matmul: operands ", a.str(), ", ", b.str());

  const int64_t mn = m * n;
  float* yp = y.data<float>();
  if (d.size.empty()) {  // a single product
    gemm(index, m, n, k, ga, 0, gb, 0, 0.f, yp, n, 0, 1);
    return y;
  }
  const int64_t inner = d.size.back(), stride_a = d.stride_a.back(), stride_b = d.stride_b.back();
  // b shared by the whole batch and a's rows continuing from one product to the next: one tall
  // GEMM [inner·M, K]·[K, N] (the output rows are contiguous too).
  if (d.size.size() == 1 && stride_b == 0 && ga.row_major && stride_a == m * ga.ld) {
    gemm(index, inner * m, n, k, ga, 0, gb, 0, 0.f, yp, n, 0, 1);
    return y;
  }
  const int nouter = static_cast<int>(d.size.size()) - 1;
  for (int64_t t = 0; t < outer; ++t) {
    int64_t rem = t, off_a = 0, off_b = 0;
    for (int i = nouter - 1; i >= 0; --i) {
      const int64_t idx = rem % d.size[i];
      rem /= d.size[i];
      off_a += idx * d.stride_a[i];
      off_b += idx * d.stride_b[i];
    }
    gemm(index, m, n, k, ga.shifted(off_a), stride_a, gb.shifted(off_b), stride_b, 0.f, yp + t * inner * mn,
         n, mn, inner);
  }
  return y;
}

}  // namespace sam3rt::cuda
