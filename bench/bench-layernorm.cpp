// LayerNorm bandwidth on the ViT token matrix (5184 × 1024, affine), optimised kernel vs the
// single-threaded reference. Counter: bytes/s (read x + write y).
#include <benchmark/benchmark.h>

#include <random>

#include "bench/bench-util.h"
#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

template <bool kReference>
void BM_LayerNorm(benchmark::State& state) {
  const int64_t rows = state.range(0), C = state.range(1);
  Tensor x = random({rows, C}, 1), w = random({C}, 2), b = random({C}, 3);
  for (auto _ : state) {
    Tensor y = kReference ? cpu::ref::layer_norm(x, w, b, 1e-5f) : ops::layer_norm(x, w, b, 1e-5f);
    benchmark::DoNotOptimize(y.data<float>());
  }
  state.SetBytesProcessed(state.iterations() * rows * C * 2 * static_cast<int64_t>(sizeof(float)));
}

}  // namespace

BENCHMARK(BM_LayerNorm<false>)->Name("BM_LayerNorm")->Args({5184, 1024})->ArgNames({"rows", "C"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LayerNorm<true>)->Name("BM_LayerNormReference")->Args({5184, 1024})->ArgNames({"rows", "C"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
