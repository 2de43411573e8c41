// Memory of non-CPU devices, as the tensor core needs it: allocation, byte copies between host
// and device, and a strided copy (with dtype conversion) on the device. A GPU backend provides
// these (src/backend/cuda/cuda-runtime.cpp); a backend that is not built provides functions that
// throw kDeviceUnavailable saying how to get it (src/backend/no-cuda/).
#pragma once

#include <cstddef>

#include "core/device.h"

namespace sam3rt {

class Tensor;

struct DeviceMemory {
  // nbytes > 0; throws Error(kOutOfMemory) when the device is full.
  void* (*allocate)(size_t nbytes, int device_index);
  void (*deallocate)(void* ptr, size_t nbytes, int device_index);
  // Copies nbytes of contiguous memory; at least one side is this backend's device. A copy to
  // the host returns once the data is there (it waits for the work queued before it).
  void (*copy_bytes)(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
  // dst ← src on one device: any shapes' strides (same shape), converting between any dtypes.
  void (*copy_strided)(const Tensor& dst, const Tensor& src);
  // Sets every element of a contiguous tensor to `value` (converted to its dtype).
  void (*fill)(const Tensor& dst, float value);
  // Waits for the work queued on every device of this backend that is in use (the op profiler
  // calls it so that an op's time is its device time, not its launch time).
  void (*synchronize_all)();
};

// The memory functions for `type` (not kCPU).
const DeviceMemory& device_memory(DeviceType type);

}  // namespace sam3rt
