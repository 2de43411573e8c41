// A device is where a tensor's storage lives: the CPU, or device N of a backend.
#pragma once

#include <cstdint>
#include <string>

namespace sam3rt {

// One value per backend (backend/backend.h registers a table for each built one). The named
// values are the backends this project knows how to build; kExternal0 … are free slots for
// backends registered by an application or a test (e.g. tests/unit/test-backend-registry.cpp).
enum class DeviceType : uint8_t { kCPU, kCUDA, kMetal, kVulkan, kExternal0 = 8 };
inline constexpr int kMaxDeviceTypes = 16;

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  static Device cpu() { return {DeviceType::kCPU, 0}; }
  static Device cuda(int i = 0) { return {DeviceType::kCUDA, i}; }
  bool is_cpu() const { return type == DeviceType::kCPU; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;  // "cpu", "cuda:0", "metal:0": the backend's name and the index
};

// The backend's name for a device type ("cpu", "cuda", …; defined by the backend registry).
const char* device_type_name(DeviceType type);

}  // namespace sam3rt
