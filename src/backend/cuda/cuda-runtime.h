// The CUDA backend's per-device state: one stream per device (every kernel and copy of the backend
// is queued on it, so work on one device runs in order), a cuBLAS handle on that stream with fp32
// math (no TF32: results stay comparable with the CPU kernels), and error checks that turn CUDA
// errors into sam3rt::Error. Host-only header (usable from .cpp and .cu).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/device-memory.h"
#include "core/tensor.h"

namespace sam3rt::cuda {

cudaStream_t stream(int device_index);
cublasHandle_t cublas(int device_index);

// Throws Error (kOutOfMemory for allocation failures, else kInternal) naming `what` and the CUDA
// message.
void check(cudaError_t err, const char* what);
void check(cublasStatus_t status, const char* what);
// After a kernel launch: reports launch errors (bad configuration) under the kernel's name.
void check_launch(const char* kernel);

// Makes `index` the current device for the scope (kernel launches and allocations go there).
class DeviceGuard {
 public:
  explicit DeviceGuard(int index);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

// The backend's memory functions (core/device-memory.h): the caching allocator, copies, fill.
DeviceMemory memory();

// Waits until every queued operation of the device has finished.
void synchronize(int device_index);

// The device index of a CUDA tensor (throws for other devices).
int device_index(const Tensor& t);

}  // namespace sam3rt::cuda

#define SAM3RT_CUDA_CHECK(expr) ::sam3rt::cuda::check((expr), #expr)

namespace sam3rt::cuda {
// Device-side copies (copy.cu): dst ← src on one device, same shape, any strides and dtypes
// (f32, f16, bf16, i32, i64, u8); and fill of a contiguous tensor.
void strided_copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, float value);
}  // namespace sam3rt::cuda
