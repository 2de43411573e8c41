// Host memory for tensors. A caching allocator keeps freed blocks in size buckets so that the
// steady-state forward pass (same shapes every image) does not call malloc per op.
#pragma once

#include <cstddef>

namespace sam3rt {

struct AllocatorStats {
  size_t bytes_in_use = 0;     // handed out and not yet returned
  size_t bytes_cached = 0;     // returned and kept for reuse
  size_t peak_bytes_in_use = 0;
  size_t system_allocs = 0;    // calls that reached the system allocator
  size_t cache_hits = 0;
};

class HostAllocator {
 public:
  static HostAllocator& instance();
  // 64-byte aligned, uninitialised. Throws Error(kOutOfMemory) on failure.
  void* allocate(size_t nbytes);
  void deallocate(void* ptr, size_t nbytes);
  void release_cached();  // frees every cached block
  AllocatorStats stats() const;
  void reset_peak();
};

}  // namespace sam3rt
