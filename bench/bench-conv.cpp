// Convolution throughput on SAM 3 shapes: the neck's 3×3 256→256 convs (72² and 144²), the ViT
// patch embedding (14×14 stride 14, 3→1024 on 1008²) and the neck's 2×2 stride-2 transposed conv
// (1024→512 on 72²). Counters: FLOP/s (2·MACs per iteration).
#include <benchmark/benchmark.h>
#if defined(SAM3RT_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#include <random>

#include "bench/bench-util.h"
#include "core/thread-pool.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

// args: size (H = W), channels
void BM_Conv3x3(benchmark::State& state) {
  const int64_t S = state.range(0), C = state.range(1);
  Tensor x = random({1, C, S, S}, 1), w = random({C, C, 3, 3}, 2), b = random({C}, 3);
  for (auto _ : state) {
    Tensor y = ops::conv2d(x, w, b, 1, 1, 1, 1);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * C * C * 9 * S * S);
}

void BM_PatchEmbed14(benchmark::State& state) {
  Tensor x = random({1, 3, 1008, 1008}, 4), w = random({1024, 3, 14, 14}, 5);
  for (auto _ : state) {
    Tensor y = ops::conv2d(x, w, Tensor(), 14, 14, 0, 0);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * 1024 * 3 * 14 * 14 * 72 * 72);
}

void BM_ConvTranspose2x2(benchmark::State& state) {
  const int64_t S = state.range(0), C = state.range(1), O = state.range(2);
  Tensor x = random({1, C, S, S}, 6), w = random({C, O, 2, 2}, 7), b = random({O}, 8);
  for (auto _ : state) {
    Tensor y = ops::conv_transpose2d(x, w, b, 2, 2);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 2.0 * C * O * 4 * S * S);
}

// Baseline: the bare GEMM each conv reduces to (M = out channels, N = output pixels,
// K = in channels · kernel area), so the conv's overhead over its GEMM floor is visible.
void BM_GemmFloor(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  num_threads();
  Tensor a = random({M, K}, 9), b = random({K, N}, 10), c = Tensor::empty({M, N});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.f, a.data<float>(), K, b.data<float>(), N, 0.f,
                c.data<float>(), N);
    benchmark::DoNotOptimize(c.data<float>());
  }
  set_flops(state, 2.0 * M * N * K);
}

}  // namespace

BENCHMARK(BM_GemmFloor)->Args({256, 72 * 72, 256 * 9})->Args({1024, 72 * 72, 3 * 14 * 14})
    ->Args({512 * 4, 72 * 72, 1024})->ArgNames({"M", "N", "K"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv3x3)->Args({72, 256})->Args({144, 256})->ArgNames({"S", "C"})->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PatchEmbed14)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ConvTranspose2x2)->Args({72, 1024, 512})->ArgNames({"S", "C", "O"})->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
