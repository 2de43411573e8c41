// The Vulkan backend's runtime: the instance and its compute devices (discrete before integrated
// before software), device memory, the command stream and the compute pipelines.
//
// Memory. Device-local VkBuffers ("chunks", 64 MiB, or one per large allocation) are sub-allocated
// by a bump pointer; freed blocks are cached by exact size (SAM 3's shapes repeat per image). The
// tensor core knows device memory only as a `void*`: a block's address is a tag, never
// dereferenced, chunk k's block at byte o being (k + 1)·2³⁶ + o, so that a tensor's storage
// pointer maps back to its buffer and offset in O(1).
//
// Commands. Every dispatch and copy of a device is recorded into one command buffer, submitted
// only when the host needs a result (a download, synchronize) or a pool runs out; a pipeline
// barrier goes between two commands only when the later one touches a byte range that an earlier
// one since the last barrier wrote (or writes one it read). Uploads go through a host-visible
// staging ring, downloads through a readback buffer.
//
// Shaders are SPIR-V compiled by glslc at build time and embedded (vk-shaders.h); shapes reach
// them as push constants (≤ 128 bytes, the minimum every Vulkan device has).
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/device-memory.h"
#include "core/tensor.h"

namespace sam3rt::vk {

// The usable compute devices in selection order (software implementations last, marked so).
std::vector<DeviceInfo> devices();
std::string unavailable_reason();

// The backend's memory functions (core/device-memory.h).
DeviceMemory memory();
// Device-side copies (vk-copy.cpp): dst ← src on one device, same shape, any strides and dtypes;
// fill of a contiguous tensor.
void strided_copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, float value);
// Submits the recorded commands and waits for them.
void synchronize(int device_index);

// One buffer argument of a dispatch: a tensor's whole storage block, bound as a storage buffer
// (the shader adds the view's element offset, passed in its push constants).
struct Arg {
  const Tensor* tensor = nullptr;  // nullptr: an unused optional binding (a small dummy buffer)
  bool write = false;
};
inline Arg in(const Tensor& t) { return {t.defined() ? &t : nullptr, false}; }
inline Arg out(const Tensor& t) { return {&t, true}; }

// Records one dispatch of the embedded shader `shader` (its file name without .comp) with the
// buffers bound in order (bindings 0, 1, ...) and `push` as push constants, over `groups`
// workgroups. Every tensor must be on `device_index`.
void dispatch(int device_index, const char* shader, const std::vector<Arg>& args, const void* push,
              size_t push_bytes, uint32_t groups_x, uint32_t groups_y = 1, uint32_t groups_z = 1);
template <class Push>
void dispatch(int device_index, const char* shader, const std::vector<Arg>& args, const Push& push,
              uint32_t groups_x, uint32_t groups_y = 1, uint32_t groups_z = 1) {
  static_assert(sizeof(Push) <= 128, "push constants are limited to 128 bytes");
  dispatch(device_index, shader, args, &push, sizeof(Push), groups_x, groups_y, groups_z);
}

// Workgroups of `size` invocations covering `n` items, spread over x and y when n needs more than
// the 65535 groups every device allows along one axis (shaders index items as
// gl_WorkGroupID.y · gl_NumWorkGroups.x · size + gl_WorkGroupID.x · size + local id).
struct Groups {
  uint32_t x = 1, y = 1;
};
Groups groups_for(int64_t n, int64_t size);

// The device index of a Vulkan tensor (throws for other devices).
int device_index(const Tensor& t);
// Throws kUnsupported when a count does not fit the shaders' 32-bit indices.
int32_t to_i32(int64_t v, const char* what);

// The driver's name and the device's limits that kernels consult.
struct DeviceLimits {
  uint32_t subgroup_size = 1;
  uint32_t max_shared_bytes = 16384;
  bool float64 = false;  // shaderFloat64, enabled when the device has it
};
DeviceLimits limits(int device_index);

}  // namespace sam3rt::vk
