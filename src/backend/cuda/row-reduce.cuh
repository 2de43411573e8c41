// Reductions over the threads that share one row of work, for softmax and the normalisations: a
// warp (kWarp = true: 32 lanes per row, several rows per block) or a whole block (kWarp = false: one
// row per block). Every thread of the group gets the same result, and the order of the additions
// is fixed, so results are deterministic run to run.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/cuda-common.cuh"

namespace sam3rt::cuda {

struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return a + b;
  }
};
// fmaxf drops NaN operands, like the reference's std::max(m, x) (which keeps m when x is NaN).
struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// Butterfly: after it every lane holds the same value (a + b == b + a exactly).
template <class T, class Op>
__device__ inline T warp_reduce(T v, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// All threads of the block must call it (it synchronises). `scratch` holds ≥ blockDim.x / 32 values;
// blockDim.x is a multiple of 32.
template <class T, class Op>
__device__ inline T block_reduce(T v, Op op, T* scratch) {
  v = warp_reduce(v, op);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  __syncthreads();  // a previous call may still be reading scratch
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = scratch[0];
  for (int i = 1; i < warps; ++i) r = op(r, scratch[i]);
  return r;
}

template <bool kWarp, class T, class Op>
__device__ inline T row_reduce(T v, Op op, T* scratch) {
  if constexpr (kWarp)
    return warp_reduce(v, op);
  else
    return block_reduce(v, op, scratch);
}

// The thread's place in its row group: `lane` in [0, width), `row0` the group's first row and
// `row_step` the grid-stride between rows. With kWarp all 32 lanes of a warp share a row, so the
// row loop is warp-uniform (the shuffles see every lane); without, it is block-uniform.
template <bool kWarp>
struct RowGroup {
  int lane, width;
  int64_t row0, row_step;
  __device__ RowGroup() {
    if constexpr (kWarp) {
      const int per_block = blockDim.x >> 5;
      lane = threadIdx.x & 31;
      width = 32;
      row0 = int64_t(blockIdx.x) * per_block + (threadIdx.x >> 5);
      row_step = int64_t(gridDim.x) * per_block;
    } else {
      lane = threadIdx.x;
      width = blockDim.x;
      row0 = blockIdx.x;
      row_step = gridDim.x;
    }
  }
};

// Rows of at most this many elements use a warp per row; longer ones a block of kRowThreads.
constexpr int64_t kWarpRowLimit = 1024;
constexpr int kRowThreads = 256;

inline unsigned int row_blocks(int64_t rows, bool warp_per_row) {
  return blocks_for(rows, warp_per_row ? kRowThreads / 32 : 1);
}

}  // namespace sam3rt::cuda
