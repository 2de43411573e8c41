// The process's resident memory, for the cache's per-image estimate and for GET /v1/model and
// /metrics (peak RSS is what the load test bounds).
#pragma once

#include <cstddef>

namespace sam3rt::serve {

size_t resident_bytes();       // VmRSS, 0 where /proc is missing
size_t peak_resident_bytes();  // VmHWM, 0 where /proc is missing
// Hands freed heap pages back to the system (glibc's malloc_trim) after an image leaves the cache,
// so that resident memory follows the cache instead of its high-water mark.
void release_free_memory();
// Caps glibc's heap arenas at two. glibc gives each thread that allocates its own arena; with
// dozens of connection threads each holding freed request buffers, resident memory grew by a
// third over the cache under the load test (bench/NOTES.md), for no speed gained.
void limit_heap_arenas();

}  // namespace sam3rt::serve
