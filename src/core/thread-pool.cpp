#include "core/thread-pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/blas.h"
#include "core/context.h"

namespace sam3rt {
namespace {

thread_local bool t_in_parallel = false;

class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return size_.load(); }

  // Waits for a running parallel region (run_mutex_), then restarts the workers.
  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = false;
    }
    for (int i = 0; i < n - 1; ++i) workers_.emplace_back([this] { worker_loop(); });
    size_.store(n);
  }

  void run(int64_t chunks, const std::function<void(int64_t)>& body) {
    std::unique_lock<std::mutex> run_lock(run_mutex_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      total_ = chunks;
      next_.store(0);
      done_ = 0;
      error_ = nullptr;
      generation_++;
    }
    cv_.notify_all();
    work(body, chunks);
    std::unique_lock<std::mutex> lock(mutex_);
    // Every chunk done and every worker that joined this region gone: only then may the next
    // region reset the counter (a late worker would otherwise take a chunk of it twice).
    done_cv_.wait(lock, [&] { return done_ == total_ && active_ == 0; });
    body_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work(const std::function<void(int64_t)>& body, int64_t total) {
    t_in_parallel = true;
    int64_t finished = 0;
    for (;;) {
      int64_t i = next_.fetch_add(1);
      if (i >= total) break;
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      finished++;
    }
    t_in_parallel = false;
    if (finished) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ += finished;
      if (done_ == total_) done_cv_.notify_all();
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int64_t)>* body = nullptr;
      int64_t total = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || (generation_ != seen && body_ != nullptr); });
        if (stopping_) return;
        seen = generation_;
        body = body_;
        total = total_;
        ++active_;
      }
      work(*body, total);
      std::lock_guard<std::mutex> lock(mutex_);
      --active_;
      done_cv_.notify_all();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::atomic<int> size_{1};
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t)>* body_ = nullptr;
  std::atomic<int64_t> next_{0};
  int64_t total_ = 0;
  int64_t done_ = 0;
  int active_ = 0;  // workers inside work() for the current region
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

int default_threads() {
  if (const char* env = std::getenv("SAM3RT_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

// BLAS's process-wide thread count: the pool's size, or 1 while a BlasSingleThreaded exists.
std::mutex g_blas_mutex;
int g_blas_pool_threads = 1;
int g_blas_single_scopes = 0;
// OPENBLAS_NUM_THREADS, when set, caps BLAS's threads as OpenBLAS users expect (the ThreadSanitizer
// run sets 1: OpenBLAS's own threads synchronise in uninstrumented code, which TSan reports).
int blas_thread_cap() {
  static const int cap = [] {
    const char* env = std::getenv("OPENBLAS_NUM_THREADS");
    const int n = env ? std::atoi(env) : 0;
    return n > 0 ? n : 0;
  }();
  return cap;
}
void apply_blas_threads() {
  const int n = g_blas_single_scopes > 0 ? 1 : g_blas_pool_threads;
  blas_set_num_threads(blas_thread_cap() > 0 ? std::min(n, blas_thread_cap()) : n);
}

std::mutex g_pool_mutex;
Pool* g_pool = nullptr;

Pool& pool() {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (!g_pool) {
    int n = default_threads();
    g_pool = new Pool(n);  // lives for the process
    std::lock_guard<std::mutex> blas_lock(g_blas_mutex);
    g_blas_pool_threads = n;
    apply_blas_threads();
  }
  return *g_pool;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  n = std::max(1, n);
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (p.size() != n) p.resize(n);
  std::lock_guard<std::mutex> blas_lock(g_blas_mutex);
  g_blas_pool_threads = n;
  apply_blas_threads();
}

BlasSingleThreaded::BlasSingleThreaded() {
  pool();  // the pool's lazy start-up sets BLAS's thread count, and must not undo ours
  std::lock_guard<std::mutex> lock(g_blas_mutex);
  if (g_blas_single_scopes++ == 0) apply_blas_threads();
}

BlasSingleThreaded::~BlasSingleThreaded() {
  std::lock_guard<std::mutex> lock(g_blas_mutex);
  if (--g_blas_single_scopes == 0) apply_blas_threads();
}

bool in_parallel_region() { return t_in_parallel; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  Pool& p = pool();
  const int cap = current_context().n_threads;
  const int threads = cap > 0 ? std::min(cap, p.size()) : p.size();
  if (t_in_parallel || threads == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balances uneven work without much scheduling overhead.
  int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, static_cast<int64_t>(threads) * 4);
  int64_t chunk = (n + chunks - 1) / chunks;
  chunks = (n + chunk - 1) / chunk;
  std::function<void(int64_t)> body = [&](int64_t c) {
    int64_t b = c * chunk, e = std::min(n, b + chunk);
    fn(b, e);
  };
  p.run(chunks, body);
}

}  // namespace sam3rt
