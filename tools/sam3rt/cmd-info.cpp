// sam3rt info: what a model file is, its configuration, parameters per component, dtype, size.
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/model-loader.h"
#include "io/native-model-file.h"
#include "io/safetensors.h"
#include "io/weight-specs.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

namespace {

struct InfoOptions {
  std::string model, config, tokenizer;
};

std::string with_commas(uint64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

uint64_t path_size(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path)) return fs::file_size(path);
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(path))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

int run_info(const InfoOptions& o) {
  LoadOptions lo;
  lo.config_path = o.config;
  lo.tokenizer_path = o.tokenizer;
  lo.keep_dtype = true;
  lo.validate = false;  // validated below, after describing the file
  LoadedModel m = load_model(o.model, lo);

  std::printf("model: %s\n", o.model.c_str());
  std::string format = m.format;
  if (m.format == kNativeFormat) {
    SafetensorsFile st = open_safetensors(o.model);
    const auto& meta = st.metadata();
    format += " (format version " + meta.at("format_version");
    if (meta.count("source")) format += ", converted from " + meta.at("source");
    format += ")";
  }
  std::printf("format: %s\n", format.c_str());
  const uint64_t bytes = path_size(o.model);
  const double mb = static_cast<double>(bytes) / 1e6;
  if (mb >= 1000)
    std::printf("file size: %s bytes (%.2f GB)\n", with_commas(bytes).c_str(), mb / 1e3);
  else
    std::printf("file size: %s bytes (%.1f MB)\n", with_commas(bytes).c_str(), mb);

  std::map<std::string, uint64_t> by_dtype;
  std::map<std::string, uint64_t> by_component;
  uint64_t params = 0, buffers = 0;
  for (const auto& [name, t] : m.weights.all()) {
    if (name.size() >= 10 && name.compare(name.size() - 10, 10, ".freqs_cis") == 0) {
      buffers += static_cast<uint64_t>(t.numel());
      continue;
    }
    by_dtype[dtype_name(t.dtype())] += static_cast<uint64_t>(t.numel());
    by_component[weight_component(name)] += static_cast<uint64_t>(t.numel());
    params += static_cast<uint64_t>(t.numel());
  }
  std::string dtypes;
  for (const auto& [d, n] : by_dtype) dtypes += (dtypes.empty() ? "" : ", ") + d + " (" + with_commas(n) + ")";
  std::printf("dtype: %s\n", dtypes.c_str());
  std::printf("tokenizer: %s\n",
              m.bpe_merges.empty() ? "none (text prompts unavailable)"
                                   : (with_commas(m.bpe_merges.size()) + " BPE merges").c_str());
  std::printf("configuration:\n");
  const nlohmann::json config = m.config.to_json();
  for (const auto& [k, v] : config.items()) std::printf("  %-20s %s\n", k.c_str(), v.dump().c_str());
  std::printf("parameters (%zu tensors):\n", m.weights.size());
  for (const char* c : {"vision trunk", "neck", "text encoder", "geometry encoder", "fusion encoder", "decoder",
                        "scoring", "segmentation head", "tracker", "other"}) {
    auto it = by_component.find(c);
    if (it != by_component.end()) std::printf("  %-20s %15s\n", c, with_commas(it->second).c_str());
  }
  std::printf("  %-20s %15s\n", "total", with_commas(params).c_str());
  if (buffers) std::printf("  (plus %s RoPE table values, not parameters)\n", with_commas(buffers).c_str());
  try {
    validate_weights(m.config, m.weights);
  } catch (const Error& e) {
    std::printf("validation: FAILED\n");
    fail(e.code(), o.model, ": ", e.what());
  }
  std::printf("validation: ok\n");
  return 0;
}

CommandRegistrar reg("info", "Describe a model: format, configuration, parameters per component, dtype, size",
                     [](CLI::App& cmd) -> CommandHandler {
                       auto o = std::make_shared<InfoOptions>();
                       cmd.add_option("model", o->model, "A .sam3rt file, sam3.pt or a Hugging Face folder")->required();
                       cmd.add_option("--config", o->config, "JSON hyperparameters for a .pt of non-released size");
                       cmd.add_option("--tokenizer", o->tokenizer, "BPE merges for a .pt");
                       return [o] { return run_info(*o); };
                     });

}  // namespace
}  // namespace sam3rt::cli
