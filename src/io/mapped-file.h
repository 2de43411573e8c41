// A read-only memory map of a whole file. Tensors loaded from checkpoints are views into it and
// hold a shared_ptr to it, so the mapping lives exactly as long as the last tensor using it.
//
// Readers check every offset against size() before they touch the bytes, so no input makes them
// read past the end. What they cannot check: a file truncated by another process while it is
// mapped. Touching a page beyond the new end then raises SIGBUS, which sam3rt does not catch (a
// handler could not tell which tensor was lost); do not shrink a model file while it is in use.
// Replacing it (write a new file, rename over the old one) is safe: the mapping keeps the old one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sam3rt {

class MappedFile {
 public:
  // Throws kIo naming the path when it does not exist, is a directory or cannot be mapped.
  // An empty file maps to size() == 0, data() == nullptr.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  // A copy of `size` bytes held in memory under the name `path` (used in errors), for readers
  // fed from memory. The copy is exactly `size` bytes long, so a read past its end is a heap
  // overflow that AddressSanitizer reports; past the end of a real mapping it would read the
  // zeros that pad the last page (the fuzz targets rely on this).
  static std::shared_ptr<MappedFile> from_memory(const uint8_t* data, size_t size, const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;  // data_ is an mmap (else a new[] copy, or null)
  std::string path_;
};

}  // namespace sam3rt
