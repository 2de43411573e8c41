// The options every inference command shares (model, device, threads, the .pt extras, precision,
// quiet, EXIF) and loading the model from them, so `segment` and `click` declare and use them once.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::cli {

struct ModelCliOptions {
  std::string model;
  std::string device = "auto";
  int threads = 0;
  std::string config;     // hyperparameters JSON for a bare .pt
  std::string tokenizer;  // CLIP merges for a bare .pt
  std::string precision = "fp32";
  bool quiet = false;
  bool exif = false;
};

// Adds --model (required; `model_help` describes what it must hold), --device, --threads,
// --config, --tokenizer, --precision, --quiet and --exif to `cmd`.
void add_model_options(CLI::App& cmd, ModelCliOptions& o, const std::string& model_help);

// Sets the precision, loads the model on the chosen device and, unless quiet, says which device
// runs it. API errors propagate as ApiError.
Model load_cli_model(const ModelCliOptions& o);

}  // namespace sam3rt::cli
