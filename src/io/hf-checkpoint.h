// Hugging Face SAM 3 checkpoints (transformers' Sam3Model / Sam3VideoModel layout): mapping the
// weights back to the official state_dict keys (the inverse of spec §14.2) and reading the
// hyperparameters from config.json.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"

namespace sam3rt {

// Accepts model_type "sam3" and "sam3_video" (detector under "detector_config"). Throws kFormat
// naming `where` and the field when something needed is missing or has the wrong type.
Sam3Config config_from_hf_json(const nlohmann::json& j, const std::string& where);

// The shard file names of a model.safetensors.index.json ({"weight_map": {tensor: shard}}), each
// once, sorted. Throws kFormat naming `where` when the index is malformed or a shard name is not a
// plain file name (a path would reach outside the model's folder).
std::vector<std::string> hf_index_shards(const nlohmann::json& index, const std::string& where);

// Renames Hugging Face keys to official ones: strips "detector_model.", merges split q/k/v
// projections, restores the cls row of the position embedding (zeros: it is never used),
// transposes text_projection back. Tracker keys map back too ("tracker_model." -> "tracker.",
// "tracker_neck." -> "detector.backbone.vision_backbone.sam2_convs."); any key without a known
// official name is kept under its Hugging Face name (one warning). Throws kFormat naming `where`
// and the key for an incomplete q/k/v triple.
std::map<std::string, Tensor> hf_to_official(const std::map<std::string, Tensor>& hf, const std::string& where);

}  // namespace sam3rt
