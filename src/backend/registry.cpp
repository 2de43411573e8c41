// The backend registry (backend/backend.h): one table per device type, the built-in backends
// registered here, and the lookups of the tensor core (core/device-memory.h, core/device.h).
#include <array>
#include <atomic>
#include <mutex>

#include "backend/backend.h"
#include "core/error.h"

namespace sam3rt {

// Each built-in backend's folder defines its table.
const Backend& cpu_backend();  // backend/cpu/cpu-backend.cpp
#if SAM3RT_WITH_CUDA
const Backend& cuda_backend();  // backend/cuda/cuda-backend.cpp
#endif
#if SAM3RT_WITH_VULKAN
const Backend& vulkan_backend();  // backend/vulkan/vulkan-backend.cpp
#endif

namespace {

// The one place that registers the built-in backends: an explicit call from the registry, so a
// static library cannot drop a backend's self-registration object at link time. CMake defines
// SAM3RT_WITH_<NAME> for this file only.
// Stores into the table directly: it runs inside ensure_builtins' call_once, and register_backend
// (which calls ensure_builtins for non-CPU types) would re-enter that call_once and deadlock.
void store_backend(DeviceType type, const Backend* table);
void register_builtin_backends() {
  store_backend(DeviceType::kCPU, &cpu_backend());
#if SAM3RT_WITH_CUDA
  store_backend(DeviceType::kCUDA, &cuda_backend());
#endif
#if SAM3RT_WITH_VULKAN
  store_backend(DeviceType::kVulkan, &vulkan_backend());
#endif
}

// Backends this project knows how to build, for the "not built" messages.
struct KnownBackend {
  DeviceType type;
  const char* name;     // as in device strings
  const char* display;  // as in prose
  const char* how;      // how to get a build that has it
};
constexpr KnownBackend kKnown[] = {
    {DeviceType::kCUDA, "cuda", "CUDA", "rebuild with -DSAM3RT_CUDA=ON (cmake --preset cuda-release)"},
    {DeviceType::kMetal, "metal", "Metal", "Metal support is for macOS (-DSAM3RT_METAL=ON)"},
    {DeviceType::kVulkan, "vulkan", "Vulkan",
     "rebuild with -DSAM3RT_VULKAN=ON (needs libvulkan-dev and glslc: scripts/install-deps.sh)"},
};

const KnownBackend* known(DeviceType type) {
  for (const KnownBackend& k : kKnown)
    if (k.type == type) return &k;
  return nullptr;
}

std::array<std::atomic<const Backend*>, kMaxDeviceTypes> g_backends{};

void store_backend(DeviceType type, const Backend* table) {
  g_backends[static_cast<int>(type)].store(table, std::memory_order_release);
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_backends);
}

[[noreturn]] void not_built(DeviceType type) {
  if (const KnownBackend* k = known(type))
    fail(ErrorCode::kDeviceUnavailable, "this build has no ", k->display, " backend (", k->how, ")");
  fail(ErrorCode::kDeviceUnavailable, "no backend is registered for device type ", static_cast<int>(type));
}

}  // namespace

void register_backend(DeviceType type, const Backend* table) {
  const int i = static_cast<int>(type);
  SAM3RT_CHECK(i >= 0 && i < kMaxDeviceTypes, kInvalidArgument, "register_backend: device type ", i,
               " is outside [0, ", kMaxDeviceTypes, ")");
  if (type != DeviceType::kCPU) ensure_builtins();  // a later built-in registration must not undo this one
  store_backend(type, table);
}

const Backend* find_backend(DeviceType type) {
  const int i = static_cast<int>(type);
  if (i < 0 || i >= kMaxDeviceTypes) return nullptr;
  ensure_builtins();
  return g_backends[i].load(std::memory_order_acquire);
}

const Backend& backend(DeviceType type) {
  const Backend* b = find_backend(type);
  if (!b) not_built(type);
  return *b;
}

std::string backend_display_name(DeviceType type) {
  if (const KnownBackend* k = known(type)) return k->display;
  if (const Backend* b = find_backend(type)) return b->name;
  return "device " + std::to_string(static_cast<int>(type));
}

std::string backend_build_hint(DeviceType type) {
  const KnownBackend* k = known(type);
  return k ? k->how : "";
}

std::vector<BackendStatus> backend_statuses() {
  std::vector<BackendStatus> out;
  for (int i = 1; i < kMaxDeviceTypes; ++i) {
    const auto type = static_cast<DeviceType>(i);
    const Backend* b = find_backend(type);
    const KnownBackend* k = known(type);
    if (!b && !k) continue;
    BackendStatus s;
    s.name = b ? b->name : k->name;
    s.built = b != nullptr;
    if (!b)
      s.unavailable = std::string("not built with ") + k->display + ": " + k->how;
    else if (b->devices().empty())
      s.unavailable = b->unavailable_reason();
    out.push_back(std::move(s));
  }
  return out;
}

int device_count(DeviceType type) {
  if (type == DeviceType::kCPU) return 1;
  const Backend* b = find_backend(type);
  return b ? static_cast<int>(b->devices().size()) : 0;
}

const DeviceMemory& device_memory(DeviceType type) {
  SAM3RT_CHECK(type != DeviceType::kCPU, kInvalidArgument,
               "device_memory: the CPU has no device memory functions");
  return backend(type).memory;
}

void synchronize_all_devices() {
  for (int i = 1; i < kMaxDeviceTypes; ++i)
    if (const Backend* b = find_backend(static_cast<DeviceType>(i)); b && b->memory.synchronize_all)
      b->memory.synchronize_all();
}

const char* device_type_name(DeviceType type) {
  if (const Backend* b = find_backend(type)) return b->name;
  if (const KnownBackend* k = known(type)) return k->name;
  return "device";
}

}  // namespace sam3rt
