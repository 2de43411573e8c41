// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian tensor bytes. The reader memory-maps the file; tensors are views into
// the map (no copy) and keep it alive. Every offset is checked against the file before use.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/mapped-file.h"

namespace sam3rt {

class SafetensorsFile {
 public:
  const std::map<std::string, Tensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return file_size_; }
  // Names in the order their bytes appear in the file.
  const std::vector<std::string>& names_in_file_order() const { return order_; }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // Throws kFormat naming the file and tensor when absent.
  const Tensor& get(const std::string& name) const;

 private:
  friend SafetensorsFile open_safetensors(std::shared_ptr<MappedFile> file);
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
  std::vector<std::string> order_;
  std::string path_;
  uint64_t file_size_ = 0;
};

// Throws kIo (missing/unreadable) or kFormat / kUnsupported naming the file and what is wrong:
// bad header length, bogus JSON, unknown dtype, negative / overlapping / out-of-range offsets, a
// byte range that disagrees with the shape, a size that overflows.
SafetensorsFile open_safetensors(const std::string& path);
SafetensorsFile open_safetensors(std::shared_ptr<MappedFile> file);  // a file already mapped (or in memory)
// Convenience for tests: all tensors of the file by name.
std::map<std::string, Tensor> load_safetensors(const std::string& path);

// --- writing --------------------------------------------------------------------------------
// "F32", "F16", "BF16", "I32", "I64", "U8".
const char* safetensors_dtype_name(DType dtype);

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kF32;  // the dtype written to the file
  Shape shape;
};

// Writes a file tensor by tensor so that only one tensor needs to be in memory at a time:
// `produce(i)` returns entries[i]'s values (any dtype/layout; converted to entries[i].dtype with
// round-to-nearest-even, integer tensors must already have the entry's dtype). Data begins on a
// 64-byte boundary; tensors are stored contiguously in the order given (put wider dtypes first to
// keep every tensor aligned to its element size). Writes to "<path>.tmp" and renames on success.
// Throws kIo naming the path on a write failure (e.g. disk full).
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata,
                       const std::function<Tensor(size_t index)>& produce);
// All tensors of `tensors`, in their own dtypes, sorted by element size (widest first) then name.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace sam3rt
