#include "core/profiler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/device-memory.h"

namespace sam3rt {

namespace {

std::atomic<bool> g_enabled{false};
std::mutex g_mutex;
// Keyed by name, not pointer: the same literal may have several addresses across translation units.
std::map<std::string, OpProfileRow>& rows() {
  static std::map<std::string, OpProfileRow> r;
  return r;
}
thread_local int t_depth = 0;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

namespace {
std::atomic<int64_t> g_matmul_flops{0};
}  // namespace

void add_matmul_flops(double flops) {
  g_matmul_flops.fetch_add(static_cast<int64_t>(flops), std::memory_order_relaxed);
}
double matmul_flops() { return static_cast<double>(g_matmul_flops.load(std::memory_order_relaxed)); }

void set_op_profiling(bool on) { g_enabled.store(on, std::memory_order_relaxed); }
bool op_profiling() { return g_enabled.load(std::memory_order_relaxed); }

std::vector<OpProfileRow> op_profile() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<OpProfileRow> out;
  for (const auto& [name, row] : rows()) out.push_back(row);
  std::sort(out.begin(), out.end(), [](const OpProfileRow& a, const OpProfileRow& b) { return a.ms > b.ms; });
  return out;
}

void reset_op_profile() {
  std::lock_guard<std::mutex> lock(g_mutex);
  rows().clear();
}

// Device work is asynchronous: while profiling, each outermost op waits for the device before and
// after, so that its row holds its device time (profiling slows a GPU run down).
static void wait_for_devices() { synchronize_all_devices(); }

OpScope::OpScope(const char* op) : op_(op) {
  if (t_depth++ == 0 && op_profiling()) {
    wait_for_devices();
    start_ns_ = now_ns();
  }
}

OpScope::~OpScope() {
  --t_depth;
  if (start_ns_ < 0) return;
  wait_for_devices();
  const double ms = static_cast<double>(now_ns() - start_ns_) * 1e-6;
  std::lock_guard<std::mutex> lock(g_mutex);
  OpProfileRow& row = rows()[op_];
  row.op = op_;
  ++row.calls;
  row.ms += ms;
}

}  // namespace sam3rt
