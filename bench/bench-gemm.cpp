// GEMM throughput: ops::linear on the ViT MLP shape (5184×1024 · 1024×4736) beside a bare
// cblas_sgemm of the same product in the same program (requirement: ops::linear ≥ 85% of it).
// Counters: FLOP/s (2·M·N·K per iteration).
#include <benchmark/benchmark.h>
#if defined(SAM3RT_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#include <algorithm>
#include <chrono>
#include <random>

#include "bench/bench-util.h"
#include "core/thread-pool.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

constexpr int64_t kM = 5184, kK = 1024, kN = 4736;

void BM_BareSgemm(benchmark::State& state) {
  num_threads();  // the pool sets BLAS's thread count, as in ops::
  Tensor x = random({kM, kK}, 1), w = random({kN, kK}, 2), y = Tensor::empty({kM, kN});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kM, kN, kK, 1.f, x.data<float>(), kK, w.data<float>(), kK,
                0.f, y.data<float>(), kN);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * kM * kN * kK);
}

void BM_OpsLinear(benchmark::State& state) {
  const bool bias = state.range(0) != 0;
  Tensor x = random({kM, kK}, 1), w = random({kN, kK}, 2), b = bias ? random({kN}, 3) : Tensor();
  for (auto _ : state) {
    Tensor y = ops::linear(x, w, b);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * kM * kN * kK);
}

// The second MLP product (4736 → 1024) and the attention projection (1024 → 1024).
void BM_OpsLinearShape(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1);
  Tensor x = random({kM, in}, 4), w = random({out, in}, 5), b = random({out}, 6);
  for (auto _ : state) {
    Tensor y = ops::linear(x, w, b);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * kM * in * out);
}

// The two alternate inside one loop so that load from other processes hits both alike; the
// counter ops_vs_bare = (best bare sgemm time) / (best ops::linear time), 1.0 = no overhead.
void BM_LinearVsBareInterleaved(benchmark::State& state) {
  num_threads();
  Tensor x = random({kM, kK}, 1), w = random({kN, kK}, 2), y = Tensor::empty({kM, kN});
  double best_bare = 1e30, best_ops = 1e30;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kM, kN, kK, 1.f, x.data<float>(), kK, w.data<float>(), kK,
                0.f, y.data<float>(), kN);
    auto t1 = std::chrono::steady_clock::now();
    Tensor z = ops::linear(x, w);
    auto t2 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(z.data<float>());
    best_bare = std::min(best_bare, std::chrono::duration<double>(t1 - t0).count());
    best_ops = std::min(best_ops, std::chrono::duration<double>(t2 - t1).count());
  }
  state.counters["ops_vs_bare"] = best_bare / best_ops;
  state.counters["bare_GFLOP/s"] = 2.0 * kM * kN * kK / best_bare * 1e-9;
  state.counters["ops_GFLOP/s"] = 2.0 * kM * kN * kK / best_ops * 1e-9;
}

}  // namespace

BENCHMARK(BM_LinearVsBareInterleaved)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareSgemm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OpsLinear)->Arg(0)->Arg(1)->ArgName("bias")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OpsLinearShape)->Args({4736, 1024})->Args({1024, 1024})->ArgNames({"in", "out"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
