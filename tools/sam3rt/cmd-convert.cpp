// sam3rt convert: any accepted checkpoint (or seeded random weights) -> the native model file.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <fstream>

#include "core/error.h"
#include "io/model-loader.h"
#include "io/native-model-file.h"
#include "io/random-weights.h"
#include "text/bpe-merges.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

namespace {

struct ConvertOptions {
  std::string input, output, dtype = "f32", tokenizer, config;
  bool random_weights = false;
  uint64_t seed = 0;
};

int run_convert(const ConvertOptions& o) {
  if (o.random_weights && !o.input.empty())
    throw UsageError("convert: give either INPUT or --random-weights, not both");
  if (!o.random_weights && o.input.empty()) throw UsageError("convert: INPUT is required (or --random-weights)");
  const DType dtype = parse_dtype(o.dtype);
  const auto t0 = std::chrono::steady_clock::now();

  if (o.random_weights) {
    Sam3Config config = Sam3Config::released();
    if (!o.config.empty()) {
      std::ifstream is(o.config);
      SAM3RT_CHECK(is.good(), kIo, o.config, ": cannot open the model configuration");
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(is);
      } catch (const nlohmann::json::exception& e) {
        fail(ErrorCode::kFormat, o.config, ": the model configuration is not valid JSON (", e.what(), ")");
      }
      try {
        config = Sam3Config::from_json(j);
      } catch (const Error& e) {
        fail(e.code(), o.config, ": ", e.what());
      }
    }
    std::vector<std::string> merges;
    if (!o.tokenizer.empty()) {
      merges = load_bpe_merges(o.tokenizer);
    }
    write_random_model(o.output, config, merges, dtype, o.seed);
  } else {
    LoadOptions lo;
    lo.config_path = o.config;
    lo.tokenizer_path = o.tokenizer;
    lo.keep_dtype = true;  // converted tensor by tensor while writing
    LoadedModel m = load_model(o.input, lo);
    write_native_model(o.output, m, dtype);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double mb = static_cast<double>(std::filesystem::file_size(o.output)) / 1e6;
  std::printf("wrote %s (%s, %.1f MB) in %.1f s\n", o.output.c_str(), dtype_name(dtype), mb, secs);
  return 0;
}

CommandRegistrar reg("convert", "Convert a checkpoint (.pt, Hugging Face folder, .sam3rt) to a .sam3rt model file",
                     [](CLI::App& cmd) -> CommandHandler {
                       auto o = std::make_shared<ConvertOptions>();
                       cmd.add_option("input", o->input,
                                      "sam3.pt, a Hugging Face folder (config.json + model.safetensors) or a .sam3rt file");
                       cmd.add_option("-o,--output", o->output, "The .sam3rt file to write")->required();
                       cmd.add_option("--dtype", o->dtype, "Stored weight type")
                           ->check(CLI::IsMember({"f32", "f16", "bf16"}))
                           ->capture_default_str();
                       cmd.add_option("--tokenizer", o->tokenizer,
                                      "BPE merges: bpe_simple_vocab_16e6.txt.gz, vocab.json + merges.txt, or tokenizer.json");
                       cmd.add_option("--config", o->config,
                                      "JSON hyperparameters for a .pt of non-released size (sam3-tiny.config.json format)");
                       cmd.add_flag("--random-weights", o->random_weights,
                                    "Write seeded random weights (released configuration, or --config) instead of converting");
                       cmd.add_option("--seed", o->seed, "Seed for --random-weights")->capture_default_str();
                       return [o] { return run_convert(*o); };
                     });

}  // namespace
}  // namespace sam3rt::cli
