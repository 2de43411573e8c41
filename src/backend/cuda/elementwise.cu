// CUDA elementwise kernels: unary activations/scalar ops, broadcasting binary ops, in-place add and
// softmax. One thread per output element (grid-stride, 64-bit indices); strided inputs are read in
// place through their (coalesced) views. Results match the reference kernels
// (backend/cpu/reference/ref-elementwise.cpp), which evaluate in f64 and round once, to a few ulp;
// add/sub/mul/div and the scalar ops are bit-identical (one f32 rounding of the exact result, like
// the reference's f64 result rounded to f32).
#include <cmath>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/row-reduce.cuh"

namespace sam3rt::cuda {
namespace {

// --- geometry -------------------------------------------------------------------------------------

// The view with size-1 dimensions dropped and neighbouring dimensions merged where the outer one
// steps exactly over the inner one (stride[p] == stride[d]·shape[d]). The row-major enumeration of
// the elements, and so offset_of for each linear index, is unchanged; the index arithmetic gets
// cheaper (a contiguous view becomes one dimension, a [C] bias broadcast over [N, C] two).
StridedView coalesce(const StridedView& v) {
  StridedView out;
  for (int d = 0; d < v.dim; ++d) {
    if (v.shape[d] == 1) continue;
    if (out.dim > 0 && out.stride[out.dim - 1] == v.stride[d] * v.shape[d]) {
      out.shape[out.dim - 1] *= v.shape[d];
      out.stride[out.dim - 1] = v.stride[d];
    } else {
      out.shape[out.dim] = v.shape[d];
      out.stride[out.dim] = v.stride[d];
      ++out.dim;
    }
  }
  return out;  // dim 0: a single element at offset 0
}

// offset_of with the common cases short-cut: one element, one dimension (lin < shape[0]).
__device__ inline int64_t view_offset(const StridedView& v, int64_t lin) {
  if (v.dim == 0) return 0;
  if (v.dim == 1) return lin * v.stride[0];
  return offset_of(v, lin);
}

// `t` viewed with the rank of `shape` (leading size-1 dims) and broadcast to it (stride-0 dims).
Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  Tensor v = t;
  while (v.dim() < shape.size()) v = v.unsqueeze(0);
  return v.expand(shape);
}

// --- unary ------------------------------------------------------------------------------------------

// ref: ref-elementwise.cpp apply_unary (same NaN rules: relu and clamp pass NaN through).
template <UnaryOp kOp>
__device__ inline float unary_value(float v, float p0, float p1) {
  if constexpr (kOp == UnaryOp::kGelu) {
    // 0.5·v·(1 + erf(v/√2)) written as 0.5·v·erfc(−v/√2): the same function, but without the
    // cancellation of 1 + erf(·) ≈ 0 for v ≪ 0, where 1 + erff rounds to 0 and loses all digits
    // that the f64 reference keeps (erfcf is accurate to a few ulp everywhere). In that tail erfc
    // magnifies the argument's relative error by 2z², so −v/√2 is formed with 1/√2 split in two
    // f32 parts (one rounding in all, like the reference's f64 argument rounded once).
    constexpr float kRsqrt2Hi = 0.70710676908493042f, kRsqrt2Lo = 1.2101617e-8f;
    return 0.5f * v * erfcf(fmaf(-v, kRsqrt2Hi, -v * kRsqrt2Lo));
  } else if constexpr (kOp == UnaryOp::kRelu) {
    return v > 0.f ? v : (v != v ? v : 0.f);
  } else if constexpr (kOp == UnaryOp::kSigmoid) {
    return 1.f / (1.f + expf(-v));  // −inf → 0, +inf → 1, NaN → NaN, as the reference
  } else if constexpr (kOp == UnaryOp::kExp) {
    return expf(v);
  } else if constexpr (kOp == UnaryOp::kLog) {
    return logf(v);
  } else if constexpr (kOp == UnaryOp::kClamp) {
    return v != v ? v : fminf(fmaxf(v, p0), p1);
  } else if constexpr (kOp == UnaryOp::kAddScalar) {
    return v + p0;
  } else {
    return v * p0;
  }
}

template <UnaryOp kOp>
__global__ void unary_kernel(const float* x, StridedView xv, float* y, int64_t n, float p0, float p1) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = unary_value<kOp>(x[view_offset(xv, i)], p0, p1);
}

template <UnaryOp kOp>
void launch_unary(const Tensor& x, const Tensor& y, float p0, float p1, cudaStream_t s) {
  const int64_t n = y.numel();
  unary_kernel<kOp><<<blocks_for(n), kThreads, 0, s>>>(x.data<float>(), coalesce(strided_view(x)),
                                                       y.data<float>(), n, p0, p1);
  check_launch("unary");
}

// --- binary -----------------------------------------------------------------------------------------

template <BinaryOp kOp>
__device__ inline float binary_value(float a, float b) {
  if constexpr (kOp == BinaryOp::kAdd)
    return a + b;
  else if constexpr (kOp == BinaryOp::kSub)
    return a - b;
  else if constexpr (kOp == BinaryOp::kMul)
    return a * b;
  else
    return a / b;  // IEEE division (no fast-math): a/0 = ±inf, 0/0 = NaN, as the reference
}

// a, b: views broadcast to y's shape (stride 0 on broadcast dims), each coalesced on its own.
template <BinaryOp kOp>
__global__ void binary_kernel(const float* a, StridedView av, const float* b, StridedView bv, float* y,
                              int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = binary_value<kOp>(a[view_offset(av, i)], b[view_offset(bv, i)]);
}

template <BinaryOp kOp>
void launch_binary(const Tensor& a, const Tensor& b, const Tensor& y, cudaStream_t s) {
  const int64_t n = y.numel();
  binary_kernel<kOp><<<blocks_for(n), kThreads, 0, s>>>(a.data<float>(), coalesce(strided_view(a)),
                                                        b.data<float>(), coalesce(strided_view(b)),
                                                        y.data<float>(), n);
  check_launch("binary");
}

// a: contiguous; b: a view broadcast to a's shape.
__global__ void add_inplace_kernel(float* a, const float* b, StridedView bv, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    a[i] += b[view_offset(bv, i)];
}

// --- softmax ------------------------------------------------------------------------------------------

// x, y: contiguous [rows, n], softmax over n (the last dim). Three passes over the row (max, sum of
// exp, write); the row is re-read from L1/L2. A row of only −inf gives NaN (−inf − −inf), and a
// NaN or +inf anywhere in the row makes the row NaN: the reference's results.
template <bool kWarp>
__global__ void softmax_rows_kernel(const float* x, float* y, int64_t rows, int64_t n) {
  __shared__ float scratch[32];
  const RowGroup<kWarp> g;
  for (int64_t row = g.row0; row < rows; row += g.row_step) {
    const float* xr = x + row * n;
    float* yr = y + row * n;
    float m = -INFINITY;
    for (int64_t j = g.lane; j < n; j += g.width) m = fmaxf(m, xr[j]);
    m = row_reduce<kWarp>(m, MaxOp(), scratch);
    float sum = 0.f;
    for (int64_t j = g.lane; j < n; j += g.width) sum += expf(xr[j] - m);
    sum = row_reduce<kWarp>(sum, SumOp(), scratch);
    for (int64_t j = g.lane; j < n; j += g.width) yr[j] = expf(xr[j] - m) / sum;
  }
}

// x, y: contiguous [outer, n, inner] with inner > 1, softmax over n: one thread per (outer, inner)
// column; neighbouring threads read neighbouring elements. The column is summed sequentially, so
// the sum is kept in f64 (n may be long).
__global__ void softmax_cols_kernel(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  const int64_t cols = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < cols;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner, in = i % inner;
    const float* xc = x + o * n * inner + in;
    float* yc = y + o * n * inner + in;
    float m = -INFINITY;
    for (int64_t j = 0; j < n; ++j) m = fmaxf(m, xc[j * inner]);
    double sum = 0.0;
    for (int64_t j = 0; j < n; ++j) sum += expf(xc[j * inner] - m);
    const float fsum = static_cast<float>(sum);
    for (int64_t j = 0; j < n; ++j) yc[j * inner] = expf(xc[j * inner] - m) / fsum;
  }
}

}  // namespace

// x: any shape and strides → contiguous, same shape
Tensor unary(UnaryOp op, const Tensor& x, float p0, float p1) {
  Tensor y = Tensor::empty(x.shape(), DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  switch (op) {
    case UnaryOp::kGelu:
      launch_unary<UnaryOp::kGelu>(x, y, p0, p1, s);
      break;
    case UnaryOp::kRelu:
      launch_unary<UnaryOp::kRelu>(x, y, p0, p1, s);
      break;
    case UnaryOp::kSigmoid:
      launch_unary<UnaryOp::kSigmoid>(x, y, p0, p1, s);
      break;
    case UnaryOp::kExp:
      launch_unary<UnaryOp::kExp>(x, y, p0, p1, s);
      break;
    case UnaryOp::kLog:
      launch_unary<UnaryOp::kLog>(x, y, p0, p1, s);
      break;
    case UnaryOp::kClamp:
      launch_unary<UnaryOp::kClamp>(x, y, p0, p1, s);
      break;
    case UnaryOp::kAddScalar:
      launch_unary<UnaryOp::kAddScalar>(x, y, p0, p1, s);
      break;
    case UnaryOp::kMulScalar:
      launch_unary<UnaryOp::kMulScalar>(x, y, p0, p1, s);
      break;
  }
  return y;
}

// a, b: shapes that broadcast (numpy rules) → contiguous [broadcast shape]
Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const Shape shape = broadcast_shapes(a_in.shape(), b_in.shape());
  Tensor y = Tensor::empty(shape, DType::kF32, a_in.device());
  if (y.numel() == 0) return y;
  const Tensor a = broadcast_to(a_in, shape), b = broadcast_to(b_in, shape);
  const int index = device_index(a);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  switch (op) {
    case BinaryOp::kAdd:
      launch_binary<BinaryOp::kAdd>(a, b, y, s);
      break;
    case BinaryOp::kSub:
      launch_binary<BinaryOp::kSub>(a, b, y, s);
      break;
    case BinaryOp::kMul:
      launch_binary<BinaryOp::kMul>(a, b, y, s);
      break;
    case BinaryOp::kDiv:
      launch_binary<BinaryOp::kDiv>(a, b, y, s);
      break;
  }
  return y;
}

// a: contiguous f32 [...] (updated in place), b: broadcasts to a's shape
void add_inplace(Tensor& a, const Tensor& b_in) {
  if (a.numel() == 0) return;
  const int index = device_index(a);
  DeviceGuard guard(index);
  // b overlapping a (other than element for element) would race with the writes: the reference
  // reads a copy of b, so take one.
  const Tensor b = broadcast_to(b_in.storage() == a.storage() ? b_in.clone() : b_in, a.shape());
  const int64_t n = a.numel();
  add_inplace_kernel<<<blocks_for(n), kThreads, 0, stream(index)>>>(a.data<float>(), b.data<float>(),
                                                                    coalesce(strided_view(b)), n);
  check_launch("add_inplace");
}

// x: any shape (rank ≥ 1) → contiguous, same shape; softmax over `dim` (already wrapped)
Tensor softmax(const Tensor& x_in, int dim) {
  Tensor y = Tensor::empty(x_in.shape(), DType::kF32, x_in.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x_in);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor x = x_in.contiguous();
  const int64_t n = x.size(dim);
  int64_t inner = 1;
  for (int d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t outer = x.numel() / (n * inner);
  if (inner == 1) {
    if (n <= kWarpRowLimit) {
      softmax_rows_kernel<true>
          <<<row_blocks(outer, true), kRowThreads, 0, s>>>(x.data<float>(), y.data<float>(), outer, n);
    } else {
      softmax_rows_kernel<false>
          <<<row_blocks(outer, false), kRowThreads, 0, s>>>(x.data<float>(), y.data<float>(), outer, n);
    }
  } else {
    softmax_cols_kernel<<<blocks_for(outer * inner), kThreads, 0, s>>>(x.data<float>(), y.data<float>(),
                                                                       outer, n, inner);
  }
  check_launch("softmax");
  return y;
}

}  // namespace sam3rt::cuda
