// CUDA reductions and gathers: masked mean, concat, embedding lookup.
// ref: backend/cpu/reference/ref-reduce.cpp
#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/cuda-kernels.h"

namespace sam3rt::cuda {
namespace {

// x: [B, L, C] (strides xs), mask: u8 [B, L] (strides ms, 1 = padding) → y: contiguous [B, C].
// One thread per (b, c); neighbouring threads read neighbouring channels. The sum over the valid
// positions is accumulated in f64 in the reference's order, so the result is the reference's.
__global__ void masked_mean_kernel(const float* x, int64_t xs0, int64_t xs1, int64_t xs2, const uint8_t* mask,
                                   int64_t ms0, int64_t ms1, float* y, int64_t B, int64_t L, int64_t C) {
  const int64_t n = B * C;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = i / C, c = i % C;
    double acc = 0.0;
    int64_t valid = 0;
    for (int64_t l = 0; l < L; ++l) {
      if (mask[b * ms0 + l * ms1]) continue;
      acc += x[b * xs0 + l * xs1 + c * xs2];
      ++valid;
    }
    y[i] = static_cast<float>(acc / static_cast<double>(valid > 1 ? valid : 1));  // all padding → 0
  }
}

// weight: [V, D] (strides ws0, ws1), ids: contiguous [N] → y: contiguous [N, D]
template <class Id>
__global__ void embedding_kernel(const float* weight, int64_t ws0, int64_t ws1, const Id* ids, float* y,
                                 int64_t N, int64_t D) {
  const int64_t n = N * D;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / D, d = i % D;
    y[i] = weight[static_cast<int64_t>(ids[row]) * ws0 + d * ws1];
  }
}

}  // namespace

// x: [B, L, C], padding_mask: u8 [B, L] (1 = padding) → [B, C]; mean over the non-padding positions
// (0 where every position is padding)
Tensor masked_mean(const Tensor& x, const Tensor& padding_mask) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  Tensor y = Tensor::empty({B, C}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int index = device_index(x);
  DeviceGuard guard(index);
  masked_mean_kernel<<<blocks_for(B * C), kThreads, 0, stream(index)>>>(
      x.data<float>(), x.stride(0), x.stride(1), x.stride(2), padding_mask.data<uint8_t>(),
      padding_mask.stride(0), padding_mask.stride(1), y.data<float>(), B, L, C);
  check_launch("masked_mean");
  return y;
}

// xs: same rank, dtype and device, equal sizes outside `dim` (already wrapped) → contiguous, the
// inputs' dtype. Each input is one strided copy into its slice of the result.
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  Shape shape = xs[0].shape();
  int64_t total = 0;
  for (const Tensor& t : xs) total += t.size(dim);
  shape[dim] = total;
  Tensor y = Tensor::empty(shape, xs[0].dtype(), xs[0].device());
  if (y.numel() == 0) return y;
  int64_t at = 0;
  for (const Tensor& t : xs) {
    if (t.numel() > 0) strided_copy(y.narrow(dim, at, t.size(dim)), t);
    at += t.size(dim);
  }
  return y;
}

// weight: [V, D], ids: i32/i64 [...] (range-checked by the ops layer) → [..., D]
Tensor embedding(const Tensor& weight, const Tensor& ids_in) {
  const int64_t D = weight.size(1);
  Shape shape = ids_in.shape();
  shape.push_back(D);
  Tensor y = Tensor::empty(shape, DType::kF32, weight.device());
  if (y.numel() == 0) return y;
  const int index = device_index(weight);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  const Tensor ids = ids_in.contiguous();
  const int64_t N = ids.numel();
  if (ids.dtype() == DType::kI32) {
    embedding_kernel<int32_t><<<blocks_for(N * D), kThreads, 0, s>>>(
        weight.data<float>(), weight.stride(0), weight.stride(1), ids.data<int32_t>(), y.data<float>(), N, D);
  } else {
    embedding_kernel<int64_t><<<blocks_for(N * D), kThreads, 0, s>>>(
        weight.data<float>(), weight.stride(0), weight.stride(1), ids.data<int64_t>(), y.data<float>(), N, D);
  }
  check_launch("embedding");
  return y;
}

}  // namespace sam3rt::cuda
