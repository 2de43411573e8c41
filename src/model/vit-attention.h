// ViT multi-head attention with 2-D axial RoPE on q and k, windowed or global
// (ref: sam3/model/vitdet.py Attention).
#pragma once

#include <string>

#include "core/tensor.h"

namespace sam3rt {

struct VitAttention {
  Tensor qkv_w, qkv_b;    // [3C, C], [3C]; output channel = s·C + head·hd + c, s ∈ {q, k, v}
  Tensor proj_w, proj_b;  // [C, C], [C]
  Tensor rope;            // [T, hd/2, 2] (cos, sin) for the T tokens of one attention group
  int heads = 0;
  int group_tokens = 0;   // T: window² for window blocks, g² for global blocks

  // x: [L, C] normalised tokens, L a multiple of T, consecutive groups of T tokens attend among
  // themselves (window order makes every window one group) → [L, C] after the projection.
  Tensor forward(const Tensor& x) const;
};

// Computes block `index`'s RoPE table with ops::axial_rope_table and, when the checkpoint holds
// `stored` (its freqs_cis, f32 [T, hd/2, 2]), compares the two: like the reference's
// load_state_dict, the stored table wins; a difference above 1e-5 is logged as a warning.
Tensor resolve_rope_table(const Tensor& computed, const Tensor& stored, const std::string& name);

}  // namespace sam3rt
