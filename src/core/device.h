// A device is where a tensor's storage lives: the CPU, or GPU N of a backend.
#pragma once

#include <cstdint>
#include <string>

namespace sam3rt {

enum class DeviceType : uint8_t { kCPU, kCUDA, kMetal };

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  static Device cpu() { return {DeviceType::kCPU, 0}; }
  static Device cuda(int i = 0) { return {DeviceType::kCUDA, i}; }
  bool is_cpu() const { return type == DeviceType::kCPU; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;  // "cpu", "cuda:0", "metal:0"
};

}  // namespace sam3rt
