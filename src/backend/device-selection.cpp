#include <cstdlib>
#include <thread>

#include "backend/backend.h"
#include "backend/cpu/simd.h"
#include "core/error.h"
#include "core/log.h"

namespace sam3rt {

namespace {
std::string cpu_name() {
#if defined(__x86_64__)
  const char* arch = "x86_64";
#elif defined(__aarch64__)
  const char* arch = "arm64";
#else
  const char* arch = "unknown arch";
#endif
  return std::string("cpu (") + arch + ", " + cpu::simd_isa() + ", " + std::to_string(std::thread::hardware_concurrency()) + " threads)";
}

int parse_index(const std::string& spec, size_t colon) {
  std::string digits = spec.substr(colon + 1);
  SAM3RT_CHECK(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos && digits.size() < 6,
               kInvalidArgument, "invalid device '", spec, "': expected a device index after ':'");
  return std::atoi(digits.c_str());
}
}  // namespace

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> out;
  for (auto& d : cuda::devices()) out.push_back(d);
  for (auto& d : metal::devices()) out.push_back(d);
  out.push_back({Device::cpu(), cpu_name(), 0});
  return out;
}

Device select_device(const std::string& spec) {
  if (spec.empty() || spec == "auto") {
    if (int n = cuda::device_count(); n > 0) {
      if (cuda::can_run_model()) return Device::cuda(0);
      log_info("found ", n, " CUDA device(s), but this version of sam3rt has no CUDA kernels yet: running on the CPU");
    }
    if (metal::device_count() > 0 && metal::can_run_model()) return {DeviceType::kMetal, 0};
    return Device::cpu();
  }
  if (spec == "cpu") return Device::cpu();
  std::string kind = spec.substr(0, spec.find(':'));
  int index = spec.find(':') == std::string::npos ? 0 : parse_index(spec, spec.find(':'));
  if (kind == "cuda") {
    SAM3RT_CHECK(cuda::built(), kDeviceUnavailable, "device '", spec,
                 "' requested but this sam3rt was not built with CUDA; rebuild with -DSAM3RT_CUDA=ON "
                 "(cmake --preset cuda-release) or use --device cpu");
    int n = cuda::device_count();
    SAM3RT_CHECK(n > 0, kDeviceUnavailable, "device '", spec, "' requested but no CUDA device is usable: ",
                 cuda::unavailable_reason(), "; use --device cpu");
    SAM3RT_CHECK(index < n, kDeviceUnavailable, "device '", spec, "' requested but only ", n,
                 " CUDA device(s) are present (cuda:0 .. cuda:", n - 1, ")");
    SAM3RT_CHECK(cuda::can_run_model(), kDeviceUnavailable, "device '", spec,
                 "' is present, but this version of sam3rt has no CUDA kernels yet; use --device cpu or auto");
    return Device::cuda(index);
  }
  if (kind == "metal" || kind == "mps") {
    SAM3RT_CHECK(metal::built(), kDeviceUnavailable, "device '", spec,
                 "' requested but this sam3rt was not built with Metal; Metal support is for macOS "
                 "(-DSAM3RT_METAL=ON); use --device cpu");
    int n = metal::device_count();
    SAM3RT_CHECK(n > 0 && index < n, kDeviceUnavailable, "device '", spec, "' is not present: ",
                 metal::unavailable_reason());
    SAM3RT_CHECK(metal::can_run_model(), kDeviceUnavailable, "device '", spec,
                 "' is present, but this version of sam3rt has no Metal kernels yet; use --device cpu or auto");
    return {DeviceType::kMetal, index};
  }
  fail(ErrorCode::kInvalidArgument, "unknown device '", spec, "' (expected auto, cpu, cuda, cuda:N or metal)");
}

void synchronize(Device device) {
  if (device.type == DeviceType::kCUDA) cuda::synchronize_device(device.index);
}

}  // namespace sam3rt
