#include "io/mapped-file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace sam3rt {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    fail(ErrorCode::kIo, path, ": cannot open (", std::strerror(err), ")",
         err == ENOENT ? "; check the path" : "");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail(ErrorCode::kIo, path, ": cannot stat (", std::strerror(err), ")");
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::kIo, path, ": is a directory, expected a file");
  }
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->path_ = path;
  m->size_ = static_cast<size_t>(st.st_size);
  if (m->size_ > 0) {
    void* p = ::mmap(nullptr, m->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      m->size_ = 0;
      fail(ErrorCode::kIo, path, ": cannot memory-map ", st.st_size, " bytes (", std::strerror(err), ")");
    }
    m->data_ = static_cast<const uint8_t*>(p);
    m->mapped_ = true;
  }
  ::close(fd);  // the mapping stays valid after the descriptor is closed
  return m;
}

std::shared_ptr<MappedFile> MappedFile::from_memory(const uint8_t* data, size_t size, const std::string& path) {
  std::shared_ptr<MappedFile> m(new MappedFile());
  m->path_ = path;
  m->size_ = size;
  if (size > 0) {
    auto* copy = new uint8_t[size];
    std::memcpy(copy, data, size);
    m->data_ = copy;
  }
  return m;
}

MappedFile::~MappedFile() {
  if (data_ && mapped_) ::munmap(const_cast<uint8_t*>(data_), size_);
  else delete[] data_;
}

}  // namespace sam3rt
