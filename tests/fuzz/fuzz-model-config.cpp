// The model configuration JSON (sam3-tiny.config.json format, also inside .sam3rt metadata).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz-target.h"
#include "model/config.h"

SAM3RT_FUZZ_TARGET(model_config) {
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return;
  sam3rt::Sam3Config c = sam3rt::Sam3Config::from_json(j);
  // What the model derives from it must be computable without overflow for any accepted config.
  (void)c.grid_size();
  (void)c.vit_mlp_hidden();
  (void)c.text_mlp_hidden();
  (void)sam3rt::Sam3Config::from_json(c.to_json());
}
