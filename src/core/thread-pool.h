// One process-wide pool of worker threads for the CPU kernels. BLAS is told to use the same
// number of threads and is never called from inside a parallel_for body with more than one
// thread, so the two never oversubscribe the cores.
#pragma once

#include <cstdint>
#include <functional>

namespace sam3rt {

// Number of threads used by parallel_for and by BLAS. Default: hardware concurrency, or the
// SAM3RT_NUM_THREADS environment variable.
int num_threads();
void set_num_threads(int n);

// Runs fn(begin, end) over [0, n) split into chunks of at least `grain` items, on the pool.
// Blocks until all chunks are done. Exceptions thrown by fn are rethrown here (the first one).
// Nested calls run serially on the calling thread.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// True while the calling thread is executing a parallel_for body.
bool in_parallel_region();

}  // namespace sam3rt
