// A read-only memory map of a whole file. Tensors loaded from checkpoints are views into it and
// hold a shared_ptr to it, so the mapping lives exactly as long as the last tensor using it.
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
  std::string path_;
};

}  // namespace sam3rt
