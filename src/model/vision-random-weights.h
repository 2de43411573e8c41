// Seeded random weights for the vision backbone of any configuration, built in memory: lets the
// benchmarks and the size-independence tests run the released architecture (or an odd one)
// without a checkpoint. Values are scaled like a trained network's (uniform ±1/√fan_in) so that
// activations stay finite and denormal-free through all blocks.
#pragma once

#include <cstdint>

#include "io/model-file.h"

namespace sam3rt {

// Adds every tensor VisionBackbone reads (detector.backbone.vision_backbone.trunk.* and
// convs.{0,1,2}.*), f32, to `weights`. No freqs_cis (the computed RoPE tables are used).
void add_random_vision_weights(const Sam3Config& config, WeightStore& weights, uint64_t seed);

}  // namespace sam3rt
