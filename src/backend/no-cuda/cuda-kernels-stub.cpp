// Linked when SAM3RT_CUDA=OFF: CUDA tensors cannot be created and every CUDA kernel reports that
// the backend is not built (the ops layer only reaches these for CUDA tensors).
#include "backend/cuda/cuda-kernels.h"
#include "backend/cuda/cuda-memory.h"
#include "core/error.h"

namespace sam3rt::cuda {

namespace {
[[noreturn]] void not_built() {
  fail(ErrorCode::kDeviceUnavailable, "this build has no CUDA backend (rebuild with -DSAM3RT_CUDA=ON)");
}
void* allocate(size_t, int) { not_built(); }
void deallocate(void*, size_t, int) {}
void copy_bytes(void*, Device, const void*, Device, size_t) { not_built(); }
void copy_strided(const Tensor&, const Tensor&) { not_built(); }
void fill(const Tensor&, float) { not_built(); }
void synchronize_all() {}
}  // namespace

const DeviceMemory& memory() {
  static const DeviceMemory m{allocate, deallocate, copy_bytes, copy_strided, fill, synchronize_all};
  return m;
}

Tensor linear(const Tensor&, const Tensor&, const Tensor&) { not_built(); }
Tensor matmul(const Tensor&, const Tensor&) { not_built(); }
Tensor conv2d(const Tensor&, const Tensor&, const Tensor&, int, int, int, int, int) { not_built(); }
Tensor conv_transpose2d(const Tensor&, const Tensor&, const Tensor&, int, int) { not_built(); }
Tensor max_pool2d(const Tensor&, int, int) { not_built(); }
Tensor layer_norm(const Tensor&, const Tensor&, const Tensor&, float) { not_built(); }
Tensor group_norm(const Tensor&, int, const Tensor&, const Tensor&, float) { not_built(); }
Tensor unary(UnaryOp, const Tensor&, float, float) { not_built(); }
Tensor binary(BinaryOp, const Tensor&, const Tensor&) { not_built(); }
void add_inplace(Tensor&, const Tensor&) { not_built(); }
Tensor softmax(const Tensor&, int) { not_built(); }
Tensor masked_mean(const Tensor&, const Tensor&) { not_built(); }
Tensor concat(const std::vector<Tensor>&, int) { not_built(); }
Tensor embedding(const Tensor&, const Tensor&) { not_built(); }
Tensor attention(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, float) { not_built(); }
Tensor apply_rope(const Tensor&, const Tensor&) { not_built(); }
Tensor interpolate_nearest(const Tensor&, int, int) { not_built(); }
Tensor interpolate_bilinear(const Tensor&, int, int) { not_built(); }
Tensor roi_align(const Tensor&, const Tensor&, int, int, float, int, bool) { not_built(); }
Tensor grid_sample(const Tensor&, const Tensor&) { not_built(); }

}  // namespace sam3rt::cuda
