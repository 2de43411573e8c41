#include "core/allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "core/error.h"

namespace sam3rt {
namespace {

constexpr size_t kAlignment = 64;
// Blocks above this size are not cached (they would pin memory between images needlessly
// only if shapes change; for fixed shapes they are reused as well, so the limit is generous).
constexpr size_t kMaxCachedBytes = size_t(8) << 30;

size_t round_size(size_t n) {
  // Round to 64 bytes below 1 MiB, then to 1/8 of the next power of two, so buckets are few.
  if (n < kAlignment) return kAlignment;
  if (n <= (size_t(1) << 20)) return (n + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = 1;
  while (p < n) p <<= 1;
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

struct State {
  std::mutex mutex;
  std::multimap<size_t, void*> free_blocks;  // rounded size -> block
  AllocatorStats stats;
};

State& state() {
  static State* s = new State();  // never destroyed: tensors may be freed during static teardown
  return *s;
}

}  // namespace

HostAllocator& HostAllocator::instance() {
  static HostAllocator a;
  return a;
}

void* HostAllocator::allocate(size_t nbytes) {
  size_t size = round_size(nbytes);
  State& s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.free_blocks.find(size);
    if (it != s.free_blocks.end()) {
      void* p = it->second;
      s.free_blocks.erase(it);
      s.stats.bytes_cached -= size;
      s.stats.bytes_in_use += size;
      s.stats.cache_hits++;
      if (s.stats.bytes_in_use > s.stats.peak_bytes_in_use) s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    release_cached();
    p = std::aligned_alloc(kAlignment, size);
  }
  if (!p) fail(ErrorCode::kOutOfMemory, "out of memory allocating ", nbytes, " bytes of host memory");
  std::lock_guard<std::mutex> lock(s.mutex);
  s.stats.bytes_in_use += size;
  s.stats.system_allocs++;
  if (s.stats.bytes_in_use > s.stats.peak_bytes_in_use) s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
  return p;
}

void HostAllocator::deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t size = round_size(nbytes);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.stats.bytes_in_use -= size;
  if (s.stats.bytes_cached + size > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  s.free_blocks.emplace(size, ptr);
  s.stats.bytes_cached += size;
}

void HostAllocator::release_cached() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (auto& kv : s.free_blocks) std::free(kv.second);
  s.free_blocks.clear();
  s.stats.bytes_cached = 0;
}

AllocatorStats HostAllocator::stats() const {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.stats;
}

void HostAllocator::reset_peak() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.stats.peak_bytes_in_use = s.stats.bytes_in_use;
}

}  // namespace sam3rt
