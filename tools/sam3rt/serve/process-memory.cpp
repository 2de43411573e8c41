#include "tools/sam3rt/serve/process-memory.h"

#include <cstdio>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sam3rt::serve {

namespace {
size_t status_kib(const char* key) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  size_t kib = 0;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof(line), f))
    if (std::strncmp(line, key, n) == 0) {
      std::sscanf(line + n, "%zu", &kib);
      break;
    }
  std::fclose(f);
  return kib * 1024;
}
}  // namespace

size_t resident_bytes() { return status_kib("VmRSS:"); }
size_t peak_resident_bytes() { return status_kib("VmHWM:"); }

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void limit_heap_arenas() {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, 2);
#endif
}

}  // namespace sam3rt::serve
