// The tracker's memory attention (ref: sam3/model/decoder.py TransformerEncoderCrossAttention with
// TransformerDecoderLayerv2 layers, sam3/sam/transformer.py RoPEAttention): the current frame's
// features attend to themselves and then to the memory bank (spatial memories of earlier frames and
// object pointers), pre-norm, single-head attention with 2-D axial RoPE.
#pragma once

#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"

namespace sam3rt {

class MemoryAttention {
 public:
  // prefix: "tracker.transformer.encoder."
  MemoryAttention(const Sam3Config& config, const WeightStore& weights, const std::string& prefix);

  // src: [B, d, g, g] the frame's SAM2-neck level 2, src_pos: [1 or B, d, g, g] its sine encoding;
  // memory, memory_pos: [B, L, mem_dim] — spatial tokens first (a multiple of g·g, each frame's
  // tokens rotated like the query grid: rope_k_repeat), then num_ptr_tokens object-pointer tokens
  // (not rotated). → [B, d, g, g] (pix_feat_with_mem)
  Tensor forward(const Tensor& src, const Tensor& src_pos, const Tensor& memory, const Tensor& memory_pos,
                 int64_t num_ptr_tokens) const;

  // ref: sam3/model_builder.py _create_tracker_transformer (rope_theta; not in the checkpoint)
  static constexpr float kRopeTheta = 10000.f;

 private:
  struct RopeAttention {
    Linear q_proj, k_proj, v_proj, out_proj;
  };
  struct Layer {
    RopeAttention self_attn, cross_attn;
    LayerNorm norm1, norm2, norm3;
    FeedForward ffn;
  };
  // q_in: [B, Lq, d], k_in/v_in: [B, Lk, kv]; RoPE on q and on the first Lk − n_exclude keys
  // (repeating the query grid's table). → [B, Lq, d]
  Tensor attend(const RopeAttention& a, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                int64_t n_exclude, const Tensor& rope) const;

  std::vector<Layer> layers_;
  LayerNorm norm_;
  int grid_ = 0;
  Tensor rope_;  // [g·g, d/2, 2] axial RoPE table of the query grid, on the weights' device
};

}  // namespace sam3rt
