// Memory of non-CPU devices, as the tensor core needs it: allocation, byte copies between host
// and device, and a strided copy (with dtype conversion) on the device. Each non-CPU backend
// fills one of these in its table (backend/backend.h); the tensor core reaches it through
// device_memory().
#pragma once

#include <cstddef>

#include "core/device.h"

namespace sam3rt {

class Tensor;

struct DeviceMemory {
  // nbytes > 0; throws Error(kOutOfMemory) when the device is full.
  void* (*allocate)(size_t nbytes, int device_index) = nullptr;
  void (*deallocate)(void* ptr, size_t nbytes, int device_index) = nullptr;
  // Copies nbytes of contiguous memory; one side is this backend's device, the other the host or
  // the same device. A copy to the host returns once the data is there (it waits for the work
  // queued before it).
  void (*copy_bytes)(void* dst, Device dst_device, const void* src, Device src_device,
                     size_t nbytes) = nullptr;
  // dst ← src on one device: any shapes' strides (same shape), converting between any dtypes.
  void (*copy_strided)(const Tensor& dst, const Tensor& src) = nullptr;
  // Sets every element of a contiguous tensor to `value` (converted to its dtype).
  void (*fill)(const Tensor& dst, float value) = nullptr;
  // Waits for the work queued on every device of this backend that is in use (the op profiler
  // calls it so that an op's time is its device time, not its launch time).
  void (*synchronize_all)() = nullptr;
};

// The memory functions of `type`'s backend (not kCPU). A backend that is not built throws
// kDeviceUnavailable saying how to build it.
const DeviceMemory& device_memory(DeviceType type);

// DeviceMemory::synchronize_all of every registered backend.
void synchronize_all_devices();

}  // namespace sam3rt
