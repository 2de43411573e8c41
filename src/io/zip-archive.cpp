// ref: PKWARE APPNOTE.TXT 6.3 (sections 4.3.7 local header, 4.3.12 central directory, 4.3.14-16
// zip64 end records, 4.5.3 zip64 extra field).
#include "io/zip-archive.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/safe-text.h"

namespace sam3rt {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEndSize = 22, kZip64LocatorSize = 20, kZip64EndSize = 56, kCentralSize = 46,
                   kLocalSize = 30;

// Bounds-checked little-endian reads over the mapping.
class Reader {
 public:
  Reader(const MappedFile& f) : p_(f.data()), n_(f.size()), path_(f.path()) {}
  bool fits(uint64_t off, uint64_t len) const { return off <= n_ && len <= n_ - off; }
  void need(uint64_t off, uint64_t len, const char* what) const {
    SAM3RT_CHECK(fits(off, len), kFormat, path_, ": the zip ", what, " at byte ", off,
                 " lies beyond the end of the file (", n_, " bytes); the file is truncated or corrupt");
  }
  uint16_t u16(uint64_t off) const { return static_cast<uint16_t>(p_[off] | (p_[off + 1] << 8)); }
  uint32_t u32(uint64_t off) const { return u16(off) | (static_cast<uint32_t>(u16(off + 2)) << 16); }
  uint64_t u64(uint64_t off) const { return u32(off) | (static_cast<uint64_t>(u32(off + 4)) << 32); }
  const uint8_t* at(uint64_t off) const { return p_ + off; }
  uint64_t size() const { return n_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* p_;
  uint64_t n_;
  const std::string& path_;
};

}  // namespace

bool looks_like_zip(const MappedFile& f) {
  return f.size() >= 4 && f.data()[0] == 'P' && f.data()[1] == 'K' &&
         ((f.data()[2] == 3 && f.data()[3] == 4) || (f.data()[2] == 5 && f.data()[3] == 6));
}

ZipArchive::ZipArchive(std::shared_ptr<MappedFile> file) : file_(std::move(file)) {
  Reader r(*file_);
  const std::string& path = file_->path();
  SAM3RT_CHECK(r.size() > 0, kFormat, path, ": the file is empty, expected a PyTorch checkpoint (zip archive)");
  SAM3RT_CHECK(looks_like_zip(*file_), kFormat, path,
               ": not a zip archive (wrong magic bytes), so not a PyTorch checkpoint written by torch.save");

  // The end record sits in the last 22 + 65535 (maximum comment) bytes.
  uint64_t end = UINT64_MAX;
  if (r.size() >= kEndSize) {
    uint64_t lowest = r.size() > kEndSize + 0xffff ? r.size() - kEndSize - 0xffff : 0;
    for (uint64_t off = r.size() - kEndSize + 1; off-- > lowest;) {
      if (r.u32(off) == kEndSig) {
        end = off;
        break;
      }
    }
  }
  SAM3RT_CHECK(end != UINT64_MAX, kFormat, path,
               ": the zip directory is missing (no end-of-central-directory record); the file is truncated or "
               "corrupt, download or save it again");

  uint64_t count = r.u16(end + 10);
  uint64_t cd_size = r.u32(end + 12);
  uint64_t cd_offset = r.u32(end + 16);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    SAM3RT_CHECK(end >= kZip64LocatorSize && r.u32(end - kZip64LocatorSize) == kZip64LocatorSig, kFormat, path,
                 ": the zip64 end locator is missing; the file is corrupt");
    uint64_t z64 = r.u64(end - kZip64LocatorSize + 8);
    r.need(z64, kZip64EndSize, "zip64 end record");
    SAM3RT_CHECK(r.u32(z64) == kZip64EndSig, kFormat, path, ": bad zip64 end record signature; the file is corrupt");
    count = r.u64(z64 + 32);
    cd_size = r.u64(z64 + 40);
    cd_offset = r.u64(z64 + 48);
  }
  r.need(cd_offset, cd_size, "central directory");

  uint64_t off = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    r.need(off, kCentralSize, "central directory entry");
    SAM3RT_CHECK(r.u32(off) == kCentralSig, kFormat, path, ": zip central directory entry ", i,
                 " has a bad signature; the file is corrupt");
    uint16_t method = r.u16(off + 10);
    uint64_t comp_size = r.u32(off + 20);
    uint64_t size = r.u32(off + 24);
    uint16_t name_len = r.u16(off + 28), extra_len = r.u16(off + 30), comment_len = r.u16(off + 32);
    uint64_t local = r.u32(off + 42);
    r.need(off + kCentralSize, uint64_t{name_len} + extra_len + comment_len, "central directory entry");
    std::string name(reinterpret_cast<const char*>(r.at(off + kCentralSize)), name_len);

    // zip64 extra field: the 64-bit values present are those whose 32-bit field is saturated.
    uint64_t x = off + kCentralSize + name_len, x_end = x + extra_len;
    while (x + 4 <= x_end) {
      uint16_t id = r.u16(x), len = r.u16(x + 2);
      if (x + 4 + len > x_end) break;
      if (id == 0x0001) {
        uint64_t p = x + 4, p_end = p + len;
        auto take = [&](uint64_t& v) {
          if (v != 0xffffffff) return;
          SAM3RT_CHECK(p + 8 <= p_end, kFormat, path, ": zip entry '", safe_text(name), "' has a short zip64 field");
          v = r.u64(p);
          p += 8;
        };
        take(size);
        take(comp_size);
        take(local);
      }
      x += 4 + len;
    }

    r.need(local, kLocalSize, "local header");
    SAM3RT_CHECK(r.u32(local) == kLocalHeaderSig, kFormat, path, ": zip entry '", safe_text(name),
                 "' has a bad local header signature; the file is corrupt");
    uint64_t data = local + kLocalSize + r.u16(local + 26) + r.u16(local + 28);
    // A stored entry is read as `size` bytes, so that is the length to check (a corrupt directory
    // can give a stored entry a size larger than its compressed size).
    const uint64_t stored = method == 0 ? size : comp_size;
    SAM3RT_CHECK(r.fits(data, stored), kFormat, path, ": zip entry '", safe_text(name), "' (", stored,
                 " bytes at byte ", data, ") extends beyond the end of the file (", r.size(),
                 " bytes); the file is truncated, download or save it again");
    entries_[name] = ZipEntry{data, stored, method};
    off += kCentralSize + name_len + extra_len + comment_len;
  }
}

const uint8_t* ZipArchive::data(const std::string& name, uint64_t* size) const {
  auto it = entries_.find(name);
  SAM3RT_CHECK(it != entries_.end(), kFormat, path(), ": the archive has no entry '", safe_text(name),
               "'; the checkpoint is incomplete or corrupt");
  SAM3RT_CHECK(it->second.method == 0, kUnsupported, path(), ": zip entry '", safe_text(name),
               "' is compressed (method ", it->second.method,
               "); PyTorch checkpoints store entries uncompressed, re-save it with torch.save");
  *size = it->second.size;
  return file_->data() + it->second.data_offset;
}

}  // namespace sam3rt
