// Linked when SAM3RT_METAL=OFF (every non-Apple build): the Metal backend reports that it is not built.
#include "backend/backend.h"

namespace sam3rt::metal {
bool built() { return false; }
int device_count() { return 0; }
std::vector<DeviceInfo> devices() { return {}; }
std::string unavailable_reason() { return "not built with Metal (macOS only, -DSAM3RT_METAL=ON)"; }
bool can_run_model() { return false; }
}  // namespace sam3rt::metal
