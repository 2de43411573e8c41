// Device enumeration and selection over the registered backends (backend/backend.h).
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

// The non-CPU device types in `auto` order: the GPU backends this project knows (CUDA, Metal), then
// any other registered backend.
std::vector<DeviceType> accelerator_types() {
  std::vector<DeviceType> out;
  for (int i = 1; i < kMaxDeviceTypes; ++i) out.push_back(static_cast<DeviceType>(i));
  return out;
}

// The device type named `kind` ("cuda", "metal", "mps", a registered backend's name), if any.
bool type_named(const std::string& kind, DeviceType* type) {
  const std::string name = kind == "mps" ? "metal" : kind;
  for (DeviceType t : accelerator_types()) {
    const bool named = find_backend(t) != nullptr || !backend_build_hint(t).empty();  // registered or known
    if (named && name == device_type_name(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> out, software;
  for (DeviceType t : accelerator_types())
    if (const Backend* b = find_backend(t))
      for (auto& d : b->devices()) (d.software ? software : out).push_back(d);
  out.push_back({Device::cpu(), cpu_name(), 0});
  out.insert(out.end(), software.begin(), software.end());
  return out;
}

Device select_device(const std::string& spec) {
  if (spec.empty() || spec == "auto") {
    for (DeviceType t : accelerator_types()) {
      const Backend* b = find_backend(t);
      if (!b) continue;
      const std::vector<DeviceInfo> found = b->devices();
      if (found.empty()) continue;
      if (!b->runs_model) {
        log_info("found ", found.size(), " ", backend_display_name(t),
                 " device(s), but this version of sam3rt has no ", backend_display_name(t),
                 " kernels for the whole model: passing over them");
        continue;
      }
      for (const DeviceInfo& d : found)
        if (!d.software) return d.device;
      // Debug, not info: on a machine with Mesa installed this is every run's situation.
      log_debug("found only software ", backend_display_name(t), " device(s) (", found.front().name,
                "): passing over them (the CPU backend is faster; ask for --device ", b->name,
                " to use one)");
    }
    return Device::cpu();
  }
  if (spec == "cpu") return Device::cpu();
  const std::string kind = spec.substr(0, spec.find(':'));
  const int index = spec.find(':') == std::string::npos ? 0 : parse_index(spec, spec.find(':'));
  DeviceType type{};
  SAM3RT_CHECK(type_named(kind, &type), kInvalidArgument, "unknown device '", spec,
               "' (expected auto, cpu, cuda, cuda:N, metal or vulkan)");
  const std::string what = backend_display_name(type);
  const Backend* b = find_backend(type);
  SAM3RT_CHECK(b != nullptr, kDeviceUnavailable, "device '", spec,
               "' requested but this sam3rt was not built with ", what, "; ", backend_build_hint(type),
               ", or use --device cpu");
  const int n = static_cast<int>(b->devices().size());
  SAM3RT_CHECK(n > 0, kDeviceUnavailable, "device '", spec, "' requested but no ", what,
               " device is usable: ", b->unavailable_reason(), "; use --device cpu");
  SAM3RT_CHECK(index < n, kDeviceUnavailable, "device '", spec, "' requested but only ", n, " ", what,
               " device(s) are present (", kind, ":0 .. ", kind, ":", n - 1, ")");
  SAM3RT_CHECK(b->runs_model, kDeviceUnavailable, "device '", spec,
               "' is present, but this version of sam3rt has no ", what,
               " kernels yet; use --device cpu or auto");
  return {type, index};
}

void check_precision_supported(Device device, MatmulPrecision precision) {
  if (precision != MatmulPrecision::kBf16) return;
  const Backend& b = backend(device.type);
  const std::string why = b.bf16_unavailable ? b.bf16_unavailable(device.index)
                                             : std::string("the ") + b.name + " backend has no bf16 path yet";
  SAM3RT_CHECK(why.empty(), kUnsupported, "precision bf16 is not available on ", device.str(), ": ", why,
               " (use --precision fp32)");
}

void synchronize(Device device) {
  if (device.is_cpu()) return;
  if (const Backend* b = find_backend(device.type); b && b->synchronize) b->synchronize(device.index);
}

}  // namespace sam3rt
