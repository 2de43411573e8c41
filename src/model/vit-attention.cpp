#include "model/vit-attention.h"

#include <algorithm>
#include <cmath>

#include "core/log.h"
#include "ops/ops.h"

namespace sam3rt {

// ref: sam3/model/vitdet.py Attention.forward (+ apply_rotary_enc)
Tensor VitAttention::forward(const Tensor& x) const {
  // x: [L, C]
  const int64_t L = x.size(0), C = x.size(1);
  const int64_t hd = C / heads;
  const int64_t T = group_tokens;
  SAM3RT_ASSERT(L % T == 0, "attention groups of ", T, " tokens do not tile ", L, " tokens");
  const int64_t groups = L / T;

  Tensor qkv = ops::linear(x, qkv_w, qkv_b);               // [L, 3C]
  Tensor qkv5 = qkv.view({groups, T, 3, heads, hd});        // [G, T, 3, H, hd]
  auto part = [&](int s) { return qkv5.select(2, s).permute({0, 2, 1, 3}); };  // [G, H, T, hd] view
  // RoPE rotates q and k only; the same table for every head and every group.
  Tensor q = ops::apply_rope(part(0), rope);                // [G, H, T, hd]
  Tensor k = ops::apply_rope(part(1), rope);
  const float scale = 1.f / std::sqrt(static_cast<float>(hd));
  Tensor o = ops::attention(q, k, part(2), Tensor(), Tensor(), scale);  // [G, H, T, hd]
  // Heads back to channels (head-major): [G, T, H, hd] → [L, C]
  Tensor merged = o.permute({0, 2, 1, 3}).reshape({L, C});
  return ops::linear(merged, proj_w, proj_b);               // [L, C]
}

Tensor resolve_rope_table(const Tensor& computed, const Tensor& stored, const std::string& name) {
  if (!stored.defined()) return computed;
  SAM3RT_CHECK(stored.shape() == computed.shape(), kFormat, "tensor '", name, "' has shape ", stored.shape().str(),
               ", expected ", computed.shape().str(), " (the RoPE table of this block)");
  Tensor s = stored.to(DType::kF32).contiguous();
  std::vector<float> a = computed.to_vector(), b = s.to_vector();
  double max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) max_diff = std::max(max_diff, std::fabs(static_cast<double>(a[i]) - b[i]));
  if (max_diff > 1e-5)
    log_warning("tensor '", name, "' differs from the computed RoPE table by up to ", max_diff,
                "; using the stored table like the reference does");
  return s;
}

}  // namespace sam3rt
