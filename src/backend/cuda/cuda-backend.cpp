// The CUDA backend's table (backend/backend.h): device enumeration through the runtime API, the
// caching allocator and copies (cuda-runtime.cpp), the per-device stream's synchronisation and
// the kernels (cuda-kernels.h). Compiled only with SAM3RT_CUDA=ON; backend/registry.cpp
// registers it.
#include <cuda_runtime_api.h>

#include <string>

#include "backend/backend.h"
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/cuda-runtime.h"

namespace sam3rt {

namespace {

cudaError_t count_devices(int* n) {
  *n = 0;
  cudaError_t err = cudaGetDeviceCount(n);
  if (err != cudaSuccess) *n = 0;
  return err;
}

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  int n = 0;
  count_devices(&n);
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    out.push_back({Device::cuda(i), prop.name, prop.totalGlobalMem});
  }
  return out;
}

std::string unavailable_reason() {
  int n = 0;
  cudaError_t err = count_devices(&n);
  if (err != cudaSuccess) return std::string("CUDA runtime error: ") + cudaGetErrorString(err);
  if (n == 0) return "no CUDA device found";
  return "";
}

// bf16 tensor-core products (cuBLAS bf16 GEMMs, the mma.sync bf16 attention) need sm_80 or newer.
std::string bf16_unavailable(int index) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess)
    return "cannot query CUDA device " + std::to_string(index);
  if (prop.major < 8)
    return std::string(prop.name) + " is compute capability " + std::to_string(prop.major) + "." +
           std::to_string(prop.minor) + "; bf16 tensor cores need 8.0 or newer";
  return "";
}

KernelTable cuda_kernels() {
  KernelTable k;
  k.linear = cuda::linear;
  k.matmul = cuda::matmul;
  k.conv2d = cuda::conv2d;
  k.conv_transpose2d = cuda::conv_transpose2d;
  k.max_pool2d = cuda::max_pool2d;
  k.layer_norm = cuda::layer_norm;
  k.group_norm = cuda::group_norm;
  k.unary = cuda::unary;
  k.binary = cuda::binary;
  k.add_inplace = cuda::add_inplace;
  k.softmax = cuda::softmax;
  k.masked_mean = cuda::masked_mean;
  k.concat = cuda::concat;
  k.embedding = cuda::embedding;
  k.attention = cuda::attention;
  k.apply_rope = cuda::apply_rope;
  k.interpolate_nearest = cuda::interpolate_nearest;
  k.interpolate_bilinear = cuda::interpolate_bilinear;
  k.interpolate_bilinear_antialias = cuda::interpolate_bilinear_antialias;
  k.roi_align = cuda::roi_align;
  k.grid_sample = cuda::grid_sample;
  return k;
}

}  // namespace

const Backend& cuda_backend() {
  static const Backend b = [] {
    Backend t;
    t.name = "cuda";
    t.devices = devices;
    t.unavailable_reason = unavailable_reason;
    t.runs_model = true;
    t.bf16_unavailable = bf16_unavailable;
    t.memory = cuda::memory();
    t.synchronize = cuda::synchronize;
    t.kernels = cuda_kernels();
    return t;
  }();
  return b;
}

}  // namespace sam3rt
