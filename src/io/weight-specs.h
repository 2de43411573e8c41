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

// The official key prefix of the image detector.
inline constexpr const char* kDetectorPrefix = "detector.";

std::vector<WeightSpec> image_weight_specs(const Sam3Config& config);

// Checks that every required tensor is present and every present tensor has its expected shape
// and a floating-point dtype; throws kFormat naming the tensor, the expected and the found shape
// (or listing the missing tensors). Keys outside the table are reported once through
// log_warning, except tracker keys (tracker.*, detector.backbone.vision_backbone.sam2_convs.*),
// which are expected and kept for later features.
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
