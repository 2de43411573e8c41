// bf16 operands for `--precision bf16` (core/numerics.h): activations are rounded to bf16 on the
// device just before a product (one pass, packed so that cuBLAS reads them with the best
// alignment), weights once per weight and then kept (a cache keyed by the weight's storage, so a
// model's weights are converted on their first use and dropped with the model).
//
// ref: the official code's bf16 autocast (torch.autocast(dtype=torch.bfloat16)) casts the inputs of
// linear / matmul / conv to bf16 and accumulates in float32; so do the GEMMs here (linalg.cu).
#include <cuda_bf16.h>

#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "backend/cuda/cuda-common.cuh"
#include "backend/cuda/gemm.h"
#include "core/numerics.h"

namespace sam3rt::cuda {

namespace {

// dst[b][o][i] = bf16(src[b·stride + o·ld + i]) for b < batch, o < outer, i < inner (round to
// nearest even, as PyTorch's cast). V = 4: inner, ld, stride are multiples of 4 and src is 16-byte
// aligned, so each thread converts a float4.
template <int V>
__global__ void pack_bf16_kernel(__nv_bfloat16* __restrict__ dst, const float* __restrict__ src,
                                 int64_t outer, int64_t inner, int64_t ld, int64_t stride, int64_t n_vec) {
  const int64_t inner_v = inner / V;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n_vec;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % inner_v, r = i / inner_v, o = r % outer, b = r / outer;
    const float* const s = src + b * stride + o * ld + c * V;
    if constexpr (V == 4) {
      const float4 x = __ldg(reinterpret_cast<const float4*>(s));
      const __nv_bfloat162 lo = __floats2bfloat162_rn(x.x, x.y), hi = __floats2bfloat162_rn(x.z, x.w);
      uint2 packed;
      packed.x = *reinterpret_cast<const uint32_t*>(&lo);
      packed.y = *reinterpret_cast<const uint32_t*>(&hi);
      *reinterpret_cast<uint2*>(dst + i * 4) = packed;
    } else {
      dst[i] = __float2bfloat16_rn(__ldg(s));
    }
  }
}

// Weight cache: one bf16 copy per (storage, view). The weak pointer tells a live storage from a
// freed one whose address was reused.
struct WeightKey {
  const Storage* storage;
  int64_t offset;
  std::vector<int64_t> shape, strides;
  bool operator<(const WeightKey& o) const {
    return std::tie(storage, offset, shape, strides) < std::tie(o.storage, o.offset, o.shape, o.strides);
  }
};
struct WeightEntry {
  std::weak_ptr<Storage> owner;
  Tensor copy;
};

std::mutex g_cache_mutex;
std::map<WeightKey, WeightEntry>& weight_cache() {
  static auto* cache =
      new std::map<WeightKey, WeightEntry>();  // never destroyed: device memory outlives exit order
  return *cache;
}

}  // namespace

bool bf16_products() { return matmul_precision() == MatmulPrecision::kBf16; }

Bf16Matrices pack_bf16(int device, const float* data, int64_t outer, int64_t inner, int64_t ld,
                       int64_t stride, int64_t batch) {
  Bf16Matrices out;
  if (stride == 0) batch = 1;  // a broadcast operand is converted once and read with stride 0
  const int64_t n = batch * outer * inner;
  out.storage = Tensor::empty({std::max<int64_t>(n, 1)}, DType::kBF16, Device::cuda(device));
  out.data = out.storage.raw_data();
  out.ld = inner;
  out.stride = stride == 0 ? 0 : outer * inner;
  if (n == 0) return out;
  const cudaStream_t s = stream(device);
  auto* dst = static_cast<__nv_bfloat16*>(out.storage.raw_data());
  const bool vec = inner % 4 == 0 && (outer == 1 || ld % 4 == 0) && (batch == 1 || stride % 4 == 0) &&
                   reinterpret_cast<uintptr_t>(data) % 16 == 0;
  if (vec) {
    pack_bf16_kernel<4><<<blocks_for(n / 4), kThreads, 0, s>>>(dst, data, outer, inner, ld, stride, n / 4);
  } else {
    pack_bf16_kernel<1><<<blocks_for(n), kThreads, 0, s>>>(dst, data, outer, inner, ld, stride, n);
  }
  check_launch("pack_bf16");
  return out;
}

Tensor bf16_weight(const Tensor& w) {
  SAM3RT_ASSERT(w.dtype() == DType::kF32 && w.defined(), "bf16_weight: ", w.str());
  WeightKey key{w.storage().get(), w.offset(), {}, {}};
  for (int d = 0; d < w.dim(); ++d) {
    key.shape.push_back(w.size(d));
    key.strides.push_back(w.stride(d));
  }
  const std::lock_guard<std::mutex> lock(g_cache_mutex);
  auto& cache = weight_cache();
  if (auto it = cache.find(key); it != cache.end() && !it->second.owner.expired()) return it->second.copy;
  // A miss: drop the copies of weights that no longer exist (a model that was freed), then convert.
  for (auto it = cache.begin(); it != cache.end();)
    it = it->second.owner.expired() ? cache.erase(it) : std::next(it);
  Tensor copy = w.contiguous().to(DType::kBF16);
  cache[key] = WeightEntry{w.storage(), copy};
  return copy;
}

}  // namespace sam3rt::cuda
