// Loading a SAM 3 model from any input sam3rt accepts, to the official key names:
//   - the native file (.sam3rt: safetensors + hyperparameters + tokenizer merges in one file),
//   - an official PyTorch checkpoint (sam3.pt, or a smaller model plus its JSON configuration),
//   - a Hugging Face folder (config.json + model.safetensors + tokenizer files), or its
//     model.safetensors directly.
// Tensors are views into a memory map wherever the dtype already matches LoadOptions::dtype.
#pragma once

#include <set>
#include <string>

#include "core/dtype.h"
#include "io/model-file.h"

namespace sam3rt {

struct LoadOptions {
  // Hyperparameters for a .pt (the fixtures' sam3-tiny.config.json format). Empty: a
  // "<stem>.config.json" (or the only *.config.json) beside the checkpoint, else the released
  // configuration. Ignored for the native and Hugging Face formats, which carry their own.
  std::string config_path;
  // Tokenizer merges for a .pt or a Hugging Face folder: CLIP's bpe_simple_vocab_16e6.txt.gz, a
  // vocab.json + merges.txt folder/pair or tokenizer.json. Empty: the Hugging Face folder's own
  // files; none for a .pt (text prompts are then unavailable; a warning is logged).
  std::string tokenizer_path;
  // Floating-point weights are converted to this dtype (no copy when they already have it).
  DType dtype = DType::kF32;
  // Keep every tensor in the file's own dtype, ignoring `dtype` (used by convert, which converts
  // tensor by tensor while writing instead of holding a converted copy of the whole model).
  bool keep_dtype = false;
  // For `--precision bf16`: the weights of the linear layers (the two-dimensional tensors with a fan-in
  // in the weight tables, io/weight-specs.h) are kept in bf16 — converted once here, or used in
  // place when the file stores bf16 — and every other tensor follows `dtype`. The matrix products
  // then read them without a per-call conversion, and memory holds half their float32 size.
  bool bf16_linear_weights = false;
  // Check every tensor against the configuration (validate_weights).
  bool validate = true;
};

// "sam3rt", "pytorch" or "huggingface"; throws kIo / kFormat naming the path when it is none.
std::string detect_model_format(const std::string& path);

// The tensors LoadOptions::bf16_linear_weights keeps in bf16: the linear layers' weights (two
// dimensions and a fan-in in full_model_weight_specs), except those the official code runs with
// autocast off (linear_runs_in_f32).
std::set<std::string> bf16_linear_weight_names(const Sam3Config& config);

// Throws sam3rt::Error (kIo, kFormat, kUnsupported) with one line naming the file and the problem.
LoadedModel load_model(const std::string& path, const LoadOptions& options = {});

}  // namespace sam3rt
