// Helpers for the backend's .cu files: tensor geometry passed to kernels by value, linear index →
// element offset for strided views, launch sizes.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/cuda-runtime.h"
#include "core/error.h"
#include "core/tensor.h"

namespace sam3rt::cuda {

// Shape and strides (in elements) of a view with at most kMaxDims dimensions.
struct StridedView {
  int dim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t stride[kMaxDims] = {};
};

inline StridedView strided_view(const Tensor& t) {
  StridedView v;
  v.dim = t.dim();
  for (int d = 0; d < v.dim; ++d) {
    v.shape[d] = t.size(d);
    v.stride[d] = t.stride(d);
  }
  return v;
}

// Element offset of the row-major linear index `lin` in view `v`.
__device__ inline int64_t offset_of(const StridedView& v, int64_t lin) {
  int64_t off = 0;
  for (int d = v.dim - 1; d >= 0; --d) {
    const int64_t s = v.shape[d];
    off += (lin % s) * v.stride[d];
    lin /= s;
  }
  return off;
}

constexpr int kThreads = 256;

inline unsigned int blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned int>(b < 1 ? 1 : (b > 2147483647 ? 2147483647 : b));
}

}  // namespace sam3rt::cuda
