// The native sam3rt model file: a safetensors file whose __metadata__ holds
//   format = "sam3rt", format_version = "1", config = Sam3Config::to_json() as a JSON string,
//   weights_dtype, source (the format it was converted from),
// and whose tensors are the official state_dict keys plus the tokenizer merges as a u8 tensor
// "tokenizer.bpe_merges" (newline-joined UTF-8 "a b" lines in rank order). See
// docs/model-file-format.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "io/model-file.h"
#include "io/safetensors.h"

namespace sam3rt {

inline constexpr const char* kNativeFormat = "sam3rt";
inline constexpr int kNativeFormatVersion = 1;
inline constexpr const char* kTokenizerTensor = "tokenizer.bpe_merges";

// Writes `model` with floating-point weights stored as `dtype` (RoPE tables stay f32; integer
// tensors are untouched). Streams tensor by tensor.
void write_native_model(const std::string& path, const LoadedModel& model, DType dtype);

// Streaming form: `entries` (with their stored dtypes) are produced one at a time by `produce`.
void write_native_model(const std::string& path, const Sam3Config& config, const std::vector<std::string>& merges,
                        const std::string& source, DType dtype, const std::vector<SafetensorsEntry>& entries,
                        const std::function<Tensor(size_t index)>& produce);

// Reads a native file (already opened); throws kFormat naming the path on a bad or newer format.
LoadedModel read_native_model(const SafetensorsFile& file);

// True when the metadata says "sam3rt".
bool is_native_model(const SafetensorsFile& file);

}  // namespace sam3rt
