// Every tensor the SAM 3 image model reads, with its shape derived from Sam3Config, under its
// official state_dict key. One table serves validation at load, random-weight generation and
// the per-component parameter counts of `sam3rt info`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/model-file.h"
#include "model/config.h"

namespace sam3rt {

enum class WeightRole : uint8_t {
  kParameter,   // learned weight
  kNormWeight,  // learned scale of a LayerNorm/GroupNorm (initialised near 1)
  kRope,        // freqs_cis buffer (complex64 stored as f32 [..., 2]); recomputable, not a parameter
};

struct WeightSpec {
  std::string name;
  Shape shape;             // -1 = any size in that dimension
  bool required = true;    // false: optional (absent from Hugging Face files), checked when present
  WeightRole role = WeightRole::kParameter;
  int64_t fan_in = 0;      // for random initialisation; 0 for norms and embeddings
};

// The official key prefixes of the image detector and of the tracker.
inline constexpr const char* kDetectorPrefix = "detector.";
inline constexpr const char* kTrackerPrefix = "tracker.";

std::vector<WeightSpec> image_weight_specs(const Sam3Config& config);
// The SAM2 neck branch (detector.backbone.vision_backbone.sam2_convs.*) and every tracker.* tensor
// (src/io/tracker-weight-specs.cpp).
std::vector<WeightSpec> tracker_weight_specs(const Sam3Config& config);
// Both tables: the whole released checkpoint (what random weights and `convert --random-weights` make).
std::vector<WeightSpec> full_model_weight_specs(const Sam3Config& config);
// True when the weights hold any tracker.* tensor; validate_weights then requires all of them.
bool has_tracker_weights(const WeightStore& weights);

// Whether the official code runs the linear layer that owns this weight with autocast disabled
// (float32 even under bf16 autocast): the DETR decoder's FFN (ref: sam3/model/decoder.py
// TransformerDecoderLayer.forward_ffn). Such weights stay f32 when the others are kept in bf16.
bool linear_runs_in_f32(const std::string& name);

// Checks that every required tensor is present and every present tensor has its expected shape
// and a floating-point dtype; throws kFormat naming the tensor, the expected and the found shape
// (or listing the missing tensors). Keys outside the table are reported once through
// log_warning. When the weights hold tracker tensors (has_tracker_weights), every tensor of
// tracker_weight_specs is checked too; a detector-only file (no tracker.*) is valid and serves
// concept prompts only.
void validate_weights(const Sam3Config& config, const WeightStore& weights);

// The component a key belongs to, for `sam3rt info`: "vision trunk", "neck", "text encoder",
// "geometry encoder", "fusion encoder", "decoder", "scoring", "segmentation head", "tracker",
// or "other".
std::string weight_component(const std::string& name);

// The RoPE table of ViT block `block` as f32 [L, head_dim/2, 2] (cos, sin), spec §4.5: window
// blocks over the window grid at scale 1, global blocks over the patch grid at scale
// window/grid.
Tensor compute_freqs_cis(const Sam3Config& config, int block);

}  // namespace sam3rt
