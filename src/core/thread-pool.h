// One process-wide pool of worker threads for the CPU kernels, shared by every session: parallel
// regions of concurrent calls take turns on it (each call may cap its share with
// Context::n_threads, core/context.h; a call capped at one thread runs on its own thread without
// waiting). BLAS is told to use the same number of threads, and runs single-threaded while any
// parallel region issues GEMMs from its workers (BlasSingleThreaded), so the two never
// oversubscribe the cores.
#pragma once

#include <cstdint>
#include <functional>

namespace sam3rt {

// Number of threads of the pool and of BLAS. Default: hardware concurrency, or the
// SAM3RT_NUM_THREADS environment variable. set_num_threads waits for running parallel regions.
int num_threads();
void set_num_threads(int n);

// While at least one of these exists (on any thread), BLAS runs single-threaded: GEMMs issued from
// inside parallel_for bodies then run on the calling worker instead of spawning BLAS threads on top
// of the pool. The switch is counted under a lock, so concurrent scopes never undo each other; a
// BLAS call made meanwhile from another call's thread runs single-threaded too (slower, correct).
class BlasSingleThreaded {
 public:
  BlasSingleThreaded();
  ~BlasSingleThreaded();
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;
};

// Runs fn(begin, end) over [0, n) split into chunks of at least `grain` items, on the pool.
// Blocks until all chunks are done. Exceptions thrown by fn are rethrown here (the first one).
// Nested calls run serially on the calling thread.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// True while the calling thread is executing a parallel_for body.
bool in_parallel_region();

}  // namespace sam3rt
