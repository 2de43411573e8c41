// Linked when SAM3RT_CUDA=OFF: the CUDA backend reports that it is not built.
#include "backend/backend.h"

namespace sam3rt::cuda {
bool built() { return false; }
int device_count() { return 0; }
std::vector<DeviceInfo> devices() { return {}; }
std::string unavailable_reason() { return "not built with CUDA (rebuild with -DSAM3RT_CUDA=ON)"; }
bool can_run_model() { return false; }
void synchronize_device(int) {}

}  // namespace sam3rt::cuda
