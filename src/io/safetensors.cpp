// ref: huggingface/safetensors format description (header layout, dtype names).
#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json-number.h"
#include "core/log.h"
#include "core/safe-text.h"

namespace sam3rt {

namespace {

// The reference implementation refuses headers above 100 MB; a larger one is corrupt, and the
// limit keeps a bogus length from making us parse gigabytes of tensor data as JSON.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

bool parse_dtype_name(const std::string& s, DType* out) {
  if (s == "F32") *out = DType::kF32;
  else if (s == "F16") *out = DType::kF16;
  else if (s == "BF16") *out = DType::kBF16;
  else if (s == "I32") *out = DType::kI32;
  else if (s == "I64") *out = DType::kI64;
  else if (s == "U8" || s == "BOOL") *out = DType::kU8;  // torch.bool is one byte, 0 or 1
  else return false;
  return true;
}

uint64_t read_unsigned(const nlohmann::json& v, const std::string& path, const std::string& name,
                       const char* what) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer())
    fail(ErrorCode::kFormat, path, ": tensor '", safe_text(name), "' has a negative ", what, " (", safe_text(json_brief(v)),
         "); the file is corrupt");
  fail(ErrorCode::kFormat, path, ": tensor '", safe_text(name), "' has a ", what,
       " that is not a non-negative integer (", safe_text(json_brief(v)), "); the file is corrupt");
}

struct Range {
  uint64_t begin, end;
  const std::string* name;
};

}  // namespace

const char* safetensors_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kI32: return "I32";
    case DType::kI64: return "I64";
    case DType::kU8: return "U8";
  }
  return "?";
}

const Tensor& SafetensorsFile::get(const std::string& name) const {
  auto it = tensors_.find(name);
  SAM3RT_CHECK(it != tensors_.end(), kFormat, path_, ": no tensor named '", safe_text(name), "'");
  return it->second;
}

SafetensorsFile open_safetensors(const std::string& path) { return open_safetensors(MappedFile::open(path)); }

SafetensorsFile open_safetensors(std::shared_ptr<MappedFile> map) {
  const std::string& path = map->path();
  const uint64_t size = map->size();
  SAM3RT_CHECK(size > 0, kFormat, path, ": the file is empty, expected a safetensors file");
  SAM3RT_CHECK(size >= 8, kFormat, path, ": the file is ", size,
               " bytes, too short for a safetensors header; the file is truncated or not safetensors");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | map->data()[i];
  SAM3RT_CHECK(header_len <= kMaxHeaderBytes && header_len <= size - 8, kFormat, path,
               ": the header length (", header_len, " bytes) exceeds the file (", size,
               " bytes); the file is truncated or not safetensors");
  SAM3RT_CHECK(header_len >= 2, kFormat, path, ": the header is ", header_len,
               " bytes, too short for JSON; not a safetensors file");

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(map->data() + 8, map->data() + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kFormat, path, ": the header is not valid JSON (", safe_text(e.what()),
         "); the file is corrupt or not safetensors");
  }
  SAM3RT_CHECK(header.is_object(), kFormat, path, ": the header is not a JSON object; not a safetensors file");

  const uint64_t data_begin = 8 + header_len;
  const uint64_t data_size = size - data_begin;
  const uint8_t* data = map->data() + data_begin;
  std::shared_ptr<void> owner = map;

  SafetensorsFile file;
  file.path_ = path;
  file.file_size_ = size;
  std::vector<Range> ranges;
  ranges.reserve(header.size());

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      SAM3RT_CHECK(v.is_object(), kFormat, path, ": __metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        SAM3RT_CHECK(m.value().is_string(), kFormat, path, ": __metadata__ entry '", safe_text(m.key()),
                     "' is not a string");
        file.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    SAM3RT_CHECK(v.is_object() && v.contains("dtype") && v.contains("shape") && v.contains("data_offsets"),
                 kFormat, path, ": tensor '", safe_text(name), "' needs dtype, shape and data_offsets in the header");
    SAM3RT_CHECK(v["dtype"].is_string(), kFormat, path, ": tensor '", safe_text(name), "' has a non-string dtype");
    const std::string dtype_str = v["dtype"].get<std::string>();
    DType dtype;
    SAM3RT_CHECK(parse_dtype_name(dtype_str, &dtype), kUnsupported, path, ": tensor '", safe_text(name), "' has dtype ",
                 safe_text(dtype_str), ", which sam3rt does not support (F32, F16, BF16, I32, I64, U8, BOOL)");
    const nlohmann::json& jshape = v["shape"];
    SAM3RT_CHECK(jshape.is_array(), kFormat, path, ": tensor '", safe_text(name), "' has a shape that is not a list");
    SAM3RT_CHECK(jshape.size() <= static_cast<size_t>(kMaxDims), kUnsupported, path, ": tensor '", safe_text(name),
                 "' has ", jshape.size(), " dimensions; at most ", kMaxDims, " are supported");
    Shape shape;
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : jshape) {
      uint64_t dim = read_unsigned(d, path, name, "dimension");
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
      else shape.push_back(static_cast<int64_t>(dim));
      if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
      else numel *= dim;
    }
    const uint64_t esize = dtype_size(dtype);
    if (!overflow && numel > std::numeric_limits<uint64_t>::max() / esize) overflow = true;
    SAM3RT_CHECK(!overflow, kFormat, path, ": tensor '", safe_text(name), "' has a shape ", jshape.dump(),
                 " whose size overflows; the file is corrupt");
    const nlohmann::json& joff = v["data_offsets"];
    SAM3RT_CHECK(joff.is_array() && joff.size() == 2, kFormat, path, ": tensor '", safe_text(name),
                 "' needs data_offsets [begin, end]");
    const uint64_t begin = read_unsigned(joff[0], path, name, "data offset");
    const uint64_t end = read_unsigned(joff[1], path, name, "data offset");
    SAM3RT_CHECK(begin <= end, kFormat, path, ": tensor '", safe_text(name), "' has data_offsets [", begin, ", ", end,
                 "] that end before they begin; the file is corrupt");
    SAM3RT_CHECK(end <= data_size, kFormat, path, ": tensor '", safe_text(name), "' has data_offsets [", begin, ", ", end,
                 "] beyond the end of the data (", data_size, " bytes); the file is truncated or corrupt");
    SAM3RT_CHECK(end - begin == numel * esize, kFormat, path, ": tensor '", safe_text(name), "' (", dtype_str, " ",
                 shape.str(), ") needs ", numel * esize, " bytes but its data_offsets span ", end - begin,
                 "; the file is corrupt");
    ranges.push_back({begin, end, &it.key()});

    void* ptr = const_cast<uint8_t*>(data + begin);
    Tensor t;
    if (reinterpret_cast<uintptr_t>(ptr) % esize == 0) {
      t = Tensor::from_blob(ptr, shape, dtype, owner);
    } else {
      // A header length that is not a multiple of the element size leaves the data misaligned;
      // typed loads from it would be undefined behaviour, so this tensor gets an aligned copy.
      t = Tensor::empty(shape, dtype);
      if (t.nbytes()) std::memcpy(t.raw_data(), ptr, t.nbytes());
      log_debug(path, ": tensor '", safe_text(name), "' is not aligned in the file; copied");
    }
    file.tensors_.emplace(name, std::move(t));
  }

  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < ranges.size(); ++i) {
    const Range& a = ranges[i - 1];
    const Range& b = ranges[i];
    // Empty tensors occupy no bytes and cannot overlap anything.
    if (a.begin == a.end || b.begin == b.end) continue;
    SAM3RT_CHECK(b.begin >= a.end, kFormat, path, ": tensors '", safe_text(*a.name), "' [", a.begin, ", ", a.end,
                 ") and '", safe_text(*b.name), "' [", b.begin, ", ", b.end, ") overlap; the file is corrupt");
  }
  file.order_.reserve(ranges.size());
  for (const Range& r : ranges) file.order_.push_back(*r.name);
  return file;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path) {
  return open_safetensors(path).tensors();
}

}  // namespace sam3rt
