#include <cstdio>

#include "backend/backend.h"
#include "core/blas.h"
#include "core/thread-pool.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

int run_devices() {
  std::printf("devices (auto picks the first):\n");
  for (const DeviceInfo& d : list_devices()) {
    // A software device (lavapipe) is listed but passed over by auto: the CPU backend is faster.
    const char* note = d.software ? " [software: auto passes over it]" : "";
    if (d.memory_bytes)
      std::printf("  %-8s %s, %.1f GiB%s\n", d.device.str().c_str(), d.name.c_str(),
                  d.memory_bytes / 1073741824.0, note);
    else
      std::printf("  %-8s %s%s\n", d.device.str().c_str(), d.name.c_str(), note);
  }
  for (const BackendStatus& b : backend_statuses())
    if (!b.unavailable.empty()) std::printf("%s: %s\n", b.name.c_str(), b.unavailable.c_str());
  std::printf("cpu threads: %d, BLAS: %s\n", num_threads(), blas_name());
  return 0;
}

}  // namespace sam3rt::cli

namespace sam3rt::cli {
namespace {
CommandRegistrar reg("devices", "List the devices this build can use (auto picks the first)",
                     [](CLI::App&) -> CommandHandler { return [] { return run_devices(); }; });
}
}  // namespace sam3rt::cli
