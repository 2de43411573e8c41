// ops::attention: checks, broadcasting of the additive bias, dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask,
                 const Tensor& bias, float scale) {
  static constexpr const char* kOp = "attention";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "q", q, 4);
  check_dim(kOp, "k", k, 4);
  check_dim(kOp, "v", v, 4);
  check_float(kOp, "q", q);
  check_float(kOp, "k", k);
  check_float(kOp, "v", v);
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3), Lk = k.size(2);
  SAM3RT_CHECK(k.size(0) == B && k.size(1) == H && k.size(3) == D, kInvalidArgument, "[attention] k ", k.str(),
               " does not match q ", q.str(), " (need [B, H, Lk, D])");
  SAM3RT_CHECK(v.size(0) == B && v.size(1) == H && v.size(2) == Lk, kInvalidArgument, "[attention] v ", v.str(),
               " does not match k ", k.str(), " (need [B, H, Lk, Dv])");
  if (key_padding_mask.defined())
    SAM3RT_CHECK(key_padding_mask.dtype() == DType::kU8 && key_padding_mask.dim() == 2 &&
                     key_padding_mask.size(0) == B && key_padding_mask.size(1) == Lk,
                 kInvalidArgument, "[attention] key_padding_mask must be u8 [", B, ", ", Lk, "], got ",
                 key_padding_mask.str());
  Tensor bias_view;
  if (bias.defined()) {
    check_float(kOp, "bias", bias);
    const Shape full{B, H, Lq, Lk};
    SAM3RT_CHECK(bias.dim() <= 4, kInvalidArgument, "[attention] bias ", bias.str(), " has more than 4 dimensions");
    bias_view = bias;
    while (bias_view.dim() < 4) bias_view = bias_view.unsqueeze(0);
    SAM3RT_CHECK(broadcast_shapes(bias_view.shape(), full) == full, kInvalidArgument, "[attention] bias ",
                 bias.str(), " does not broadcast to ", full.str());
    bias_view = as_f32(bias_view).expand(full);
  }
  const Device dev = common_device(kOp, {&q, &k, &v, &key_padding_mask, &bias});
  add_matmul_flops(2.0 * B * H * Lq * Lk * (D + v.size(3)));  // Q·Kᵀ and P·V
  return backend_kernel(kOp, dev, &KernelTable::attention)(as_f32(q), as_f32(k), as_f32(v), key_padding_mask,
                                                           bias_view, scale);
}

}  // namespace sam3rt::ops
