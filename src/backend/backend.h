// Device enumeration and selection, in one place. Each backend provides the functions below
// (backend/<name>/); a backend that is not built links a stub from backend/no-<name>/ that
// reports "not built with <name>".
#pragma once

#include <string>
#include <vector>

#include "core/device.h"

namespace sam3rt {

struct DeviceInfo {
  Device device;
  std::string name;         // "NVIDIA H100 80GB HBM3", "cpu (x86_64, 16 threads)"
  size_t memory_bytes = 0;  // total device memory (0 if unknown)
};

// Every device this build can use right now (the CPU is always present).
std::vector<DeviceInfo> list_devices();

// Parses "auto", "cpu", "cuda", "cuda:N", "metal" and returns the device to use.
// auto = CUDA if built and present, else Metal if built and present, else CPU.
// An explicit device that is not built or not present throws kDeviceUnavailable with a message
// that says how to get it; an unknown name throws kInvalidArgument.
Device select_device(const std::string& spec);

// Waits until the work queued on `device` has finished (no-op on the CPU).
void synchronize(Device device);

namespace cuda {
bool built();             // compiled with SAM3RT_CUDA=ON
int device_count();       // 0 when not built or no usable GPU/driver
std::vector<DeviceInfo> devices();
std::string unavailable_reason();  // why device_count() is 0 (driver missing, not built, ...)
// Whether the model's kernels exist for this backend (auto selection passes over a backend
// that cannot run the model, and an explicit request is an error that says so).
bool can_run_model();
void synchronize_device(int index);  // cuda::synchronize for `synchronize(Device)`
}  // namespace cuda

namespace metal {
bool built();
int device_count();
std::vector<DeviceInfo> devices();
std::string unavailable_reason();
bool can_run_model();
}  // namespace metal

}  // namespace sam3rt
