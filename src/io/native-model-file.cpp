#include "io/native-model-file.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/safe-text.h"
#include "io/weight-specs.h"

namespace sam3rt {

namespace {

// RoPE tables lose angle precision in 16-bit floats and are tiny: they stay f32.
bool keeps_f32(const std::string& name) {
  return name.size() >= 10 && name.compare(name.size() - 10, 10, ".freqs_cis") == 0;
}

Tensor merges_tensor(const std::vector<std::string>& merges) {
  std::string text;
  for (size_t i = 0; i < merges.size(); ++i) {
    SAM3RT_CHECK(merges[i].find('\n') == std::string::npos, kInvalidArgument, "tokenizer merge ", i,
                 " contains a newline");
    text += merges[i];
    if (i + 1 < merges.size()) text += '\n';
  }
  Tensor t = Tensor::empty({static_cast<int64_t>(text.size())}, DType::kU8);
  if (!text.empty()) std::memcpy(t.raw_data(), text.data(), text.size());
  return t;
}

}  // namespace

bool is_native_model(const SafetensorsFile& file) {
  auto it = file.metadata().find("format");
  return it != file.metadata().end() && it->second == kNativeFormat;
}

void write_native_model(const std::string& path, const Sam3Config& config, const std::vector<std::string>& merges,
                        const std::string& source, DType dtype, const std::vector<SafetensorsEntry>& entries_in,
                        const std::function<Tensor(size_t index)>& produce) {
  SAM3RT_CHECK(dtype_is_float(dtype), kInvalidArgument, "model weights can be stored as f32, f16 or bf16, not ",
               dtype_name(dtype));
  std::map<std::string, std::string> meta = {{"format", kNativeFormat},
                                             {"format_version", std::to_string(kNativeFormatVersion)},
                                             {"config", config.to_json().dump()},
                                             {"weights_dtype", dtype_name(dtype)},
                                             {"source", source}};
  // Order: wider dtypes first, so every tensor stays aligned to its element size; then by name.
  std::vector<size_t> order(entries_in.size());
  std::vector<SafetensorsEntry> entries(entries_in);
  for (size_t i = 0; i < entries.size(); ++i) {
    order[i] = i;
    if (dtype_is_float(entries[i].dtype)) entries[i].dtype = keeps_f32(entries[i].name) ? DType::kF32 : dtype;
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    size_t sa = dtype_size(entries[a].dtype), sb = dtype_size(entries[b].dtype);
    return sa != sb ? sa > sb : entries[a].name < entries[b].name;
  });
  std::vector<SafetensorsEntry> sorted;
  for (size_t i : order) sorted.push_back(entries[i]);
  Tensor merges_t = merges_tensor(merges);
  sorted.push_back({kTokenizerTensor, DType::kU8, merges_t.shape()});
  write_safetensors(path, sorted, meta, [&](size_t i) {
    if (i == order.size()) return merges_t;
    return produce(order[i]);
  });
}

void write_native_model(const std::string& path, const LoadedModel& model, DType dtype) {
  std::vector<SafetensorsEntry> entries;
  std::vector<const Tensor*> values;
  for (const auto& [name, t] : model.weights.all()) {
    SAM3RT_CHECK(name != kTokenizerTensor, kInvalidArgument, "weight name '", name, "' is reserved");
    entries.push_back({name, t.dtype(), t.shape()});
    values.push_back(&t);
  }
  write_native_model(path, model.config, model.bpe_merges, model.format, dtype, entries,
                     [&](size_t i) { return *values[i]; });
}

LoadedModel read_native_model(const SafetensorsFile& file) {
  const std::string& path = file.path();
  const auto& meta = file.metadata();
  SAM3RT_CHECK(is_native_model(file), kFormat, path, ": not a sam3rt model file (no format=sam3rt metadata)");
  auto ver = meta.find("format_version");
  SAM3RT_CHECK(ver != meta.end(), kFormat, path, ": sam3rt model file without format_version; the file is corrupt");
  int version = 0;
  try {
    version = std::stoi(ver->second);
  } catch (const std::exception&) {
    fail(ErrorCode::kFormat, path, ": format_version '", safe_text(ver->second), "' is not a number");
  }
  SAM3RT_CHECK(version >= 1 && version <= kNativeFormatVersion, kUnsupported, path, ": model file format version ",
               version, " is newer than this sam3rt supports (", kNativeFormatVersion,
               "); upgrade sam3rt or convert the checkpoint again");
  auto cfg = meta.find("config");
  SAM3RT_CHECK(cfg != meta.end(), kFormat, path, ": sam3rt model file without config metadata; the file is corrupt");
  LoadedModel m;
  try {
    m.config = Sam3Config::from_json(nlohmann::json::parse(cfg->second));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kFormat, path, ": the config metadata is not valid JSON (", safe_text(e.what()), ")");
  } catch (const Error& e) {
    fail(e.code(), path, ": ", e.what());
  }
  for (const auto& [name, t] : file.tensors()) {
    if (name == kTokenizerTensor) {
      SAM3RT_CHECK(t.dtype() == DType::kU8 && t.dim() == 1, kFormat, path, ": '", kTokenizerTensor,
                   "' should be u8 [n], found ", t.str());
      std::string text = t.nbytes() ? std::string(static_cast<const char*>(t.raw_data()), t.nbytes()) : std::string();
      size_t start = 0;
      while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        m.bpe_merges.push_back(text.substr(start, nl - start));
        start = nl + 1;
      }
      continue;
    }
    m.weights.set(name, t);
  }
  m.format = kNativeFormat;
  m.path = path;
  return m;
}

}  // namespace sam3rt
