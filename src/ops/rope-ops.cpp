// ops::axial_rope_table, ops::apply_rope: checks and dispatch.
#include "backend/cpu/cpu-kernels.h"  // the RoPE table is computed on the host
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor axial_rope_table(int dim, int end_x, int end_y, float theta, float scale) {
  SAM3RT_CHECK(dim > 0 && dim % 4 == 0 && end_x > 0 && end_y > 0 && theta > 0, kInvalidArgument,
               "[axial_rope_table] needs dim divisible by 4 and positive sizes/theta; got dim ", dim, ", end_x ",
               end_x, ", end_y ", end_y, ", theta ", theta);
  return cpu::ref::axial_rope_table(dim, end_x, end_y, theta, scale);
}

Tensor apply_rope(const Tensor& x, const Tensor& table) {
  static constexpr const char* kOp = "apply_rope";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 4);
  check_dim(kOp, "table", table, 3);
  check_float(kOp, "x", x);
  check_float(kOp, "table", table);
  SAM3RT_CHECK(x.size(3) % 2 == 0 && table.size(0) == x.size(2) && table.size(1) == x.size(3) / 2 &&
                   table.size(2) == 2,
               kInvalidArgument, "[apply_rope] table ", table.str(), " must be [L, D/2, 2] for x ", x.str());
  const Device dev = common_device(kOp, {&x, &table});
  return backend_kernel(kOp, dev, &KernelTable::apply_rope)(as_f32(x), as_f32(table));
}

}  // namespace sam3rt::ops
