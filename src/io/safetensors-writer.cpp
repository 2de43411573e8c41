#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"

namespace sam3rt {

namespace {

constexpr uint64_t kDataAlignment = 64;

class OutFile {
 public:
  explicit OutFile(std::string path) : path_(std::move(path)) {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) {
      int err = errno;
      fail(ErrorCode::kIo, path_, ": cannot create (", std::strerror(err), ")");
    }
  }
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) {
      int err = errno;
      fail(ErrorCode::kIo, path_, ": write failed (", std::strerror(err), "); is the disk full?");
    }
  }
  void close() {
    FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) {
      int err = errno;
      fail(ErrorCode::kIo, path_, ": write failed on close (", std::strerror(err), "); is the disk full?");
    }
  }

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

}  // namespace

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata,
                       const std::function<Tensor(size_t index)>& produce) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  uint64_t offset = 0;
  for (const SafetensorsEntry& e : entries) {
    SAM3RT_CHECK(!header.contains(e.name), kInvalidArgument, path, ": tensor name '", e.name,
                 "' given twice");
    SAM3RT_CHECK(e.name != "__metadata__", kInvalidArgument, path, ": '__metadata__' is not a tensor name");
    uint64_t nbytes = static_cast<uint64_t>(e.shape.numel()) * dtype_size(e.dtype);
    header[e.name] = {{"dtype", safetensors_dtype_name(e.dtype)},
                      {"shape", e.shape.vec()},
                      {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump();
  // Pad with spaces (valid JSON whitespace) so the data section starts on a 64-byte boundary.
  size_t padded = ((8 + text.size() + kDataAlignment - 1) / kDataAlignment) * kDataAlignment - 8;
  text.append(padded - text.size(), ' ');

  const std::string tmp = path + ".tmp";
  try {
    OutFile out(tmp);
    uint8_t len[8];
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
    out.write(len, 8);
    out.write(text.data(), text.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const SafetensorsEntry& e = entries[i];
      Tensor t = produce(i);
      SAM3RT_CHECK(t.defined() && t.shape() == e.shape, kInvalidArgument, path, ": tensor '", e.name,
                   "' has shape ", t.defined() ? t.shape().str() : std::string("(undefined)"),
                   ", declared ", e.shape.str());
      if (t.dtype() != e.dtype) {
        SAM3RT_CHECK(dtype_is_float(t.dtype()) && dtype_is_float(e.dtype), kInvalidArgument, path, ": tensor '",
                     e.name, "' is ", dtype_name(t.dtype()), " but is to be written as ", dtype_name(e.dtype),
                     "; only floating-point tensors are converted");
        t = t.to(e.dtype);
      }
      t = t.to(Device::cpu()).contiguous();  // device tensors (a dump of a GPU run) are read back
      out.write(t.raw_data(), t.nbytes());
    }
    out.close();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    fail(ErrorCode::kIo, path, ": cannot move the finished file into place (", std::strerror(err), ")");
  }
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  std::vector<const Tensor*> values;
  for (const auto& [name, t] : tensors) entries.push_back({name, t.dtype(), t.shape()});
  std::stable_sort(entries.begin(), entries.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return dtype_size(a.dtype) > dtype_size(b.dtype);
  });
  for (const auto& e : entries) values.push_back(&tensors.at(e.name));
  write_safetensors(path, entries, metadata, [&](size_t i) { return *values[i]; });
}

}  // namespace sam3rt
