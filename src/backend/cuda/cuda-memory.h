// The CUDA backend's memory functions (core/device-memory.h). Defined in cuda-runtime.cpp when
// built with SAM3RT_CUDA=ON, else in backend/no-cuda (every function throws "not built").
#pragma once

#include "core/device-memory.h"

namespace sam3rt::cuda {
const DeviceMemory& memory();
}  // namespace sam3rt::cuda
