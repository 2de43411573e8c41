// Reading the entries of a zip archive in place (PyTorch checkpoints are zip archives whose
// entries are stored uncompressed). Entries are located through the central directory, zip64
// included; data offsets come from each entry's local header. No bytes are copied.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "io/mapped-file.h"

namespace sam3rt {

struct ZipEntry {
  uint64_t data_offset = 0;  // from the start of the file
  uint64_t size = 0;         // stored (= uncompressed) size
  uint16_t method = 0;       // 0 = stored
};

class ZipArchive {
 public:
  // Throws kFormat naming the file when it is not a zip archive or its directory is corrupt or
  // points outside the file (truncated download).
  explicit ZipArchive(std::shared_ptr<MappedFile> file);

  const std::map<std::string, ZipEntry>& entries() const { return entries_; }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  // The bytes of a stored entry; throws kFormat when absent, kUnsupported when compressed.
  const uint8_t* data(const std::string& name, uint64_t* size) const;
  const std::shared_ptr<MappedFile>& file() const { return file_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::shared_ptr<MappedFile> file_;
  std::map<std::string, ZipEntry> entries_;
};

// True when the file begins like a zip archive ("PK\3\4" or an empty archive's "PK\5\6").
bool looks_like_zip(const MappedFile& file);

}  // namespace sam3rt
