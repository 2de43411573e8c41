#include "io/model-loader.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/safe-text.h"
#include "io/hf-checkpoint.h"
#include "io/native-model-file.h"
#include "io/safetensors.h"
#include "io/torch-checkpoint.h"
#include "io/weight-specs.h"
#include "io/zip-archive.h"
#include "text/bpe-merges.h"

namespace sam3rt {

namespace {

namespace fs = std::filesystem;

// A safetensors file starts with a little-endian header length that fits the file, then '{'.
bool looks_like_safetensors(const MappedFile& f) {
  if (f.size() < 10) return false;
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | f.data()[i];
  return n >= 2 && n <= f.size() - 8 && f.data()[8] == '{';
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

nlohmann::json read_json_file(const std::string& path, const char* what) {
  std::ifstream is(path);
  SAM3RT_CHECK(is.good(), kIo, path, ": cannot open the ", what);
  try {
    return nlohmann::json::parse(is);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kFormat, path, ": the ", what, " is not valid JSON (", safe_text(e.what()), ")");
  }
}

std::vector<std::string> read_merges(const std::string& path) { return load_bpe_merges(path); }

// Converts floating-point weights to the requested dtype and makes every tensor contiguous
// (both are no-ops, keeping the memory-map views, when the file already matches).
void finish(LoadedModel& m, const LoadOptions& opt) {
  SAM3RT_CHECK(dtype_is_float(opt.dtype), kInvalidArgument, "LoadOptions.dtype must be f32, f16 or bf16, not ",
               dtype_name(opt.dtype));
  std::set<std::string> linear_weights;
  if (opt.bf16_linear_weights && !opt.keep_dtype) linear_weights = bf16_linear_weight_names(m.config);
  WeightStore out;
  for (const auto& [name, t] : m.weights.all()) {
    Tensor x = t;
    if (opt.keep_dtype) {
      out.set(name, x);
      continue;
    }
    const DType want = linear_weights.count(name) ? DType::kBF16 : opt.dtype;
    if (dtype_is_float(x.dtype()) && x.dtype() != want && name.find(".freqs_cis") == std::string::npos)
      x = x.to(want);
    else if (dtype_is_float(x.dtype()) && x.dtype() != DType::kF32 && name.find(".freqs_cis") != std::string::npos)
      x = x.to(DType::kF32);
    out.set(name, x.contiguous());
  }
  m.weights = std::move(out);
  if (opt.validate) {
    try {
      validate_weights(m.config, m.weights);
    } catch (const Error& e) {
      fail(e.code(), m.path, ": ", e.what());
    }
  }
  if (m.bpe_merges.empty()) log_warning(m.path, ": the model has no tokenizer, so text prompts will not work",
                                        m.format == kNativeFormat ? "; convert it again with --tokenizer" : "; pass a tokenizer");
}

}  // namespace

std::set<std::string> bf16_linear_weight_names(const Sam3Config& config) {
  std::set<std::string> names;
  for (const WeightSpec& s : full_model_weight_specs(config))
    if (s.fan_in > 0 && s.shape.size() == 2 && !linear_runs_in_f32(s.name)) names.insert(s.name);
  return names;
}

namespace {

Sam3Config config_for_checkpoint(const std::string& path, const LoadOptions& opt) {
  std::string cfg = opt.config_path;
  if (cfg.empty()) {
    fs::path p(path);
    fs::path beside = p.parent_path() / (p.stem().string() + ".config.json");
    if (fs::exists(beside)) {
      cfg = beside.string();
    } else {
      std::vector<std::string> found;
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(p.parent_path().empty() ? "." : p.parent_path(), ec)) {
        const std::string n = e.path().filename().string();
        if (n.size() > 12 && n.compare(n.size() - 12, 12, ".config.json") == 0) found.push_back(e.path().string());
      }
      if (found.size() == 1) cfg = found[0];
    }
  }
  if (cfg.empty()) {
    log_info(path, ": no configuration given or found beside it; using the released SAM 3 configuration");
    return Sam3Config::released();
  }
  log_debug(path, ": configuration from ", cfg);
  nlohmann::json j = read_json_file(cfg, "model configuration");
  try {
    return Sam3Config::from_json(j);
  } catch (const Error& e) {
    fail(e.code(), cfg, ": ", e.what());
  }
}

LoadedModel load_pytorch(const std::string& path, const LoadOptions& opt) {
  LoadedModel m;
  m.config = config_for_checkpoint(path, opt);
  for (auto& [name, t] : load_torch_state_dict(path)) m.weights.set(name, t);
  if (!opt.tokenizer_path.empty()) m.bpe_merges = read_merges(opt.tokenizer_path);
  m.format = "pytorch";
  m.path = path;
  return m;
}

LoadedModel load_huggingface(const std::string& dir, const std::string& weights_file, const LoadOptions& opt) {
  const std::string cfg = (fs::path(dir) / "config.json").string();
  SAM3RT_CHECK(fs::exists(cfg), kIo, dir,
               ": no config.json in this folder; expected a Hugging Face SAM 3 folder (config.json + "
               "model.safetensors), a .pt checkpoint or a .sam3rt file");
  LoadedModel m;
  m.config = config_from_hf_json(read_json_file(cfg, "Hugging Face configuration"), cfg);

  std::vector<std::string> files;
  if (!weights_file.empty()) {
    files.push_back(weights_file);
  } else if (fs::exists(fs::path(dir) / "model.safetensors")) {
    files.push_back((fs::path(dir) / "model.safetensors").string());
  } else {
    const std::string index = (fs::path(dir) / "model.safetensors.index.json").string();
    SAM3RT_CHECK(fs::exists(index), kIo, dir, ": no model.safetensors (or model.safetensors.index.json) in this folder");
    for (const std::string& s : hf_index_shards(read_json_file(index, "safetensors index"), index))
      files.push_back((fs::path(dir) / s).string());
  }
  std::map<std::string, Tensor> hf;
  for (const std::string& f : files) {
    SafetensorsFile st = open_safetensors(f);
    for (const auto& [name, t] : st.tensors()) hf[name] = t;
  }
  for (auto& [name, t] : hf_to_official(hf, files.front())) m.weights.set(name, t);

  if (!opt.tokenizer_path.empty()) {
    m.bpe_merges = read_merges(opt.tokenizer_path);
  } else if (fs::exists(fs::path(dir) / "merges.txt") || fs::exists(fs::path(dir) / "tokenizer.json")) {
    m.bpe_merges = read_merges(dir);
  }
  m.format = "huggingface";
  m.path = dir;
  return m;
}

}  // namespace

std::string detect_model_format(const std::string& path) {
  if (is_directory(path)) return "huggingface";
  std::shared_ptr<MappedFile> f = MappedFile::open(path);
  SAM3RT_CHECK(f->size() > 0, kFormat, path, ": the file is empty; expected a model (.sam3rt, .pt or .safetensors)");
  if (looks_like_zip(*f)) return "pytorch";
  SAM3RT_CHECK(looks_like_safetensors(*f), kFormat, path,
               ": not a model file (wrong magic bytes: neither a PyTorch zip archive nor safetensors)");
  SafetensorsFile st = open_safetensors(path);
  if (is_native_model(st)) return kNativeFormat;
  return "huggingface";
}

LoadedModel load_model(const std::string& path, const LoadOptions& opt) {
  LoadedModel m;
  if (is_directory(path)) {
    m = load_huggingface(path, "", opt);
  } else {
    std::shared_ptr<MappedFile> f = MappedFile::open(path);
    SAM3RT_CHECK(f->size() > 0, kFormat, path,
                 ": the file is empty; expected a model (.sam3rt, .pt or Hugging Face .safetensors)");
    if (looks_like_zip(*f)) {
      m = load_pytorch(path, opt);
    } else {
      // torch.save before PyTorch 1.6 wrote a bare pickle stream (protocol 2+) instead of a zip.
      SAM3RT_CHECK(!(f->size() >= 2 && f->data()[0] == 0x80 && f->data()[1] >= 2 && f->data()[1] <= 5), kUnsupported,
                   path, ": a PyTorch checkpoint in the legacy (pre-1.6) format; load it in Python and save it again "
                   "with torch.save from PyTorch 1.6 or later");
      SAM3RT_CHECK(looks_like_safetensors(*f), kFormat, path,
                   ": not a model file (wrong magic bytes: neither a PyTorch zip archive nor safetensors); expected a "
                   ".sam3rt file, sam3.pt or a Hugging Face folder/.safetensors");
      SafetensorsFile st = open_safetensors(path);
      if (is_native_model(st)) {
        m = read_native_model(st);
        if (!opt.tokenizer_path.empty()) m.bpe_merges = read_merges(opt.tokenizer_path);
      } else {
        std::string dir = fs::path(path).parent_path().string();
        m = load_huggingface(dir.empty() ? "." : dir, path, opt);
      }
    }
  }
  finish(m, opt);
  log_debug(m.path, ": loaded ", m.weights.size(), " tensors (", m.format, ")");
  return m;
}

}  // namespace sam3rt
