// Backends behind one table each (as ggml's ggml_backend_i / ggml_backend_reg): device
// enumeration, memory, synchronisation and the op kernels of one device type. The built-in
// backends are registered in one place (backend/registry.cpp, register_builtin_backends); the
// ops layer and the tensor core look a device's table up and never name a backend. A backend that
// is not built is simply not registered: asking for it is a kDeviceUnavailable error that says
// how to build it.
//
// Adding a backend: a folder backend/<name>/ that defines `const Backend& <name>_backend()`, one
// registration line in backend/registry.cpp, and its sources in CMakeLists.txt.
#pragma once

#include <string>
#include <vector>

#include "backend/kernel-table.h"
#include "core/device-memory.h"
#include "core/device.h"
#include "core/numerics.h"

namespace sam3rt {

struct DeviceInfo {
  Device device;
  std::string name;         // "NVIDIA H100 80GB HBM3", "cpu (x86_64, 16 threads)"
  size_t memory_bytes = 0;  // total device memory (0 if unknown)
  // A CPU implementation of a GPU API (Vulkan's lavapipe, SwiftShader): usable when asked for by
  // name, but `auto` passes over it (the CPU backend is faster than running shaders on the CPU).
  bool software = false;
};

struct Backend {
  const char* name = "";  // the device string's prefix: "cuda" for cuda:0
  // --- device enumeration ------------------------------------------------------------------
  std::vector<DeviceInfo> (*devices)() = nullptr;  // the usable devices now (may be empty)
  std::string (*unavailable_reason)() = nullptr;   // why devices() is empty (driver missing, ...)
  // Whether the kernels cover the whole model: auto selection passes over a backend that cannot
  // run it, and an explicit request is an error that says so.
  bool runs_model = false;
  // Why `--precision bf16` cannot run on this device ("" when it can: the kernels take bf16
  // operands with float32 accumulation). nullptr = this backend has no bf16 path.
  std::string (*bf16_unavailable)(int device_index) = nullptr;
  // --- memory and synchronisation (unused for the CPU, whose memory is the host's) ---------------
  DeviceMemory memory;
  void (*synchronize)(int device_index) = nullptr;  // waits for the work queued on one device
  // --- the op kernels ------------------------------------------------------------------------------
  KernelTable kernels;
};

// Makes `backend` the table of `type` (replacing any earlier one; nullptr unregisters). The table
// must outlive every tensor on its devices; tables of static storage duration do. Thread-safe, but
// meant for start-up: tensors of a type must not be in use while its table changes.
void register_backend(DeviceType type, const Backend* backend);
// The registered table of `type`, or nullptr when that backend is not built (or not registered).
const Backend* find_backend(DeviceType type);
// The registered table of `type`; throws kDeviceUnavailable ("this build has no CUDA backend
// (rebuild with -DSAM3RT_CUDA=ON)") when it is not registered.
const Backend& backend(DeviceType type);
// "CUDA" (the prose name of a backend this project knows; else the registered name, or "device N")
// and how to get a build that has it ("rebuild with -DSAM3RT_CUDA=ON ..."; "" when unknown).
std::string backend_display_name(DeviceType type);
std::string backend_build_hint(DeviceType type);
// What `sam3rt devices` shows beside the device list: every backend this project knows (CUDA,
// Metal, ...) or that is registered, with why it is unusable here ("" when it has devices).
struct BackendStatus {
  std::string name;
  bool built = false;
  std::string unavailable;  // "" when at least one device is usable
};
std::vector<BackendStatus> backend_statuses();

// How many devices of `type` are usable now (0 when its backend is not built).
int device_count(DeviceType type);

// Every device this build can use right now, in `auto` order: the CPU (always present) after
// every device that auto may pick, then the software devices (lavapipe), which it passes over.
std::vector<DeviceInfo> list_devices();

// Parses "auto", "cpu", "cuda", "cuda:N", "metal", "vulkan" (any registered backend's name, with
// an optional ":N") and returns the device to use. auto = the first device that is not a software
// one of the first registered backend in device-type order (CUDA, Metal, Vulkan, then others) that
// runs the model, else the CPU. An explicit
// device that is not built or not present throws kDeviceUnavailable with a message that says how
// to get it; an unknown name throws kInvalidArgument.
Device select_device(const std::string& spec);

// Throws kUnsupported with a one-line reason when `device` cannot run matrix products at
// `precision` (bf16 on a backend without a bf16 path, or a CPU without bf16 instructions).
void check_precision_supported(Device device, MatmulPrecision precision);
// Waits until the work queued on `device` has finished (no-op on the CPU).
void synchronize(Device device);

}  // namespace sam3rt
