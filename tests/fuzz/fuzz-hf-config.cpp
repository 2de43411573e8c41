// A Hugging Face folder's config.json and model.safetensors.index.json; the input holds both,
// separated by a line "--index--" (without it, the whole input is config.json).
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fuzz/fuzz-target.h"
#include "io/hf-checkpoint.h"

namespace {
nlohmann::json parse(std::string_view text, const char* what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  // The loader turns a parse error into kFormat; here the target only needs to skip such input.
  if (j.is_discarded()) sam3rt::fail(sam3rt::ErrorCode::kFormat, what, ": not JSON");
  return j;
}
}  // namespace

SAM3RT_FUZZ_TARGET(hf_config) {
  auto [config, index] = sam3rt::fuzz::split_input(data, size, "\n--index--\n");
  if (!index.empty()) {
    try {
      sam3rt::hf_index_shards(parse(index, "index"), "fuzz/model.safetensors.index.json");
    } catch (const sam3rt::Error& e) {
      if (e.code() == sam3rt::ErrorCode::kInternal) throw;
      sam3rt::fuzz::check_message("hf_config", e.what());
    }
  }
  sam3rt::config_from_hf_json(parse(config, "config"), "fuzz/config.json");
}
