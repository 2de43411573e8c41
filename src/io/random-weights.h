// Seeded random weights for a SAM 3 image model of any configuration, so full-size loading,
// benchmarks and end-to-end runs need no checkpoint. Values are deterministic per (seed, tensor
// name), independent of order and thread count; scales follow the usual initialisations
// (uniform ±1/√fan_in, norm scales near 1), so activations stay finite. RoPE tables are the
// real ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/model-file.h"
#include "io/weight-specs.h"

namespace sam3rt {

Tensor random_weight(const Sam3Config& config, const WeightSpec& spec, uint64_t seed);

// All tensors of image_weight_specs(config) in memory (for tests and benchmarks).
WeightStore random_weights(const Sam3Config& config, uint64_t seed);

// Writes a native model file with random weights, one tensor at a time (memory stays at the
// size of the largest tensor).
void write_random_model(const std::string& path, const Sam3Config& config, const std::vector<std::string>& merges,
                        DType dtype, uint64_t seed);

}  // namespace sam3rt
