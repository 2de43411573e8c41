// CUDA device enumeration through the runtime API. Compiled only with SAM3RT_CUDA=ON.
#include <cuda_runtime_api.h>

#include "backend/backend.h"
#include "backend/cuda/cuda-runtime.h"

namespace sam3rt::cuda {

namespace {
cudaError_t count_devices(int* n) {
  *n = 0;
  cudaError_t err = cudaGetDeviceCount(n);
  if (err != cudaSuccess) *n = 0;
  return err;
}
}  // namespace

bool built() { return true; }

int device_count() {
  int n = 0;
  count_devices(&n);
  return n;
}

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  int n = device_count();
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

bool can_run_model() { return true; }

void synchronize_device(int index) { synchronize(index); }

}  // namespace sam3rt::cuda
