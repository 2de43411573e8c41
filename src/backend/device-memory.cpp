// core/device-memory.h: routes a device type to its backend's memory functions.
#include "core/device-memory.h"

#include "backend/cuda/cuda-memory.h"
#include "core/error.h"

namespace sam3rt {

const DeviceMemory& device_memory(DeviceType type) {
  switch (type) {
    case DeviceType::kCUDA: return cuda::memory();
    case DeviceType::kMetal: fail(ErrorCode::kDeviceUnavailable, "Metal tensors: the Metal backend is not written yet");
    case DeviceType::kCPU: break;
  }
  fail(ErrorCode::kInvalidArgument, "device_memory: the CPU has no device memory functions");
}

}  // namespace sam3rt
