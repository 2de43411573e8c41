// Attention throughput: the ViT's global blocks (16 heads × 5184 tokens × head dim 64) and window
// blocks (9 windows × 16 heads × 576 tokens), through ops::attention (tiled online softmax), beside
// the composite matmul → softmax → matmul that materialises the score matrix (window case only:
// for 5184 tokens it would need 1.7 GB). Counters: FLOP/s with 4·B·H·Lq·Lk·D per iteration.
#include <benchmark/benchmark.h>
#if defined(SAM3RT_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#include <cmath>
#include <random>

#include "bench/bench-util.h"
#include "core/thread-pool.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

// args: batch (windows), heads, tokens, head dim. q/k/v are head views of a [B, L, H, D] tensor,
// as the ViT produces them from its qkv projection.
void BM_Attention(benchmark::State& state) {
  const int64_t B = state.range(0), H = state.range(1), L = state.range(2), D = state.range(3);
  Tensor q = random({B, L, H, D}, 1).permute({0, 2, 1, 3});
  Tensor k = random({B, L, H, D}, 2).permute({0, 2, 1, 3});
  Tensor v = random({B, L, H, D}, 3).permute({0, 2, 1, 3});
  const float scale = 1.f / std::sqrt(static_cast<float>(D));
  for (auto _ : state) {
    Tensor y = ops::attention(q, k, v, Tensor(), Tensor(), scale);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 4.0 * B * H * L * L * D);
}

void BM_AttentionComposite(benchmark::State& state) {
  const int64_t B = state.range(0), H = state.range(1), L = state.range(2), D = state.range(3);
  Tensor q = random({B, L, H, D}, 1).permute({0, 2, 1, 3});
  Tensor k = random({B, L, H, D}, 2).permute({0, 2, 1, 3});
  Tensor v = random({B, L, H, D}, 3).permute({0, 2, 1, 3});
  const float scale = 1.f / std::sqrt(static_cast<float>(D));
  for (auto _ : state) {
    Tensor s = ops::softmax(ops::mul_scalar(ops::matmul(q, k.transpose(2, 3)), scale));
    Tensor y = ops::matmul(s, v);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 4.0 * B * H * L * L * D);
}

// Baseline: the two GEMMs of attention alone (S = Q·Kᵀ and O = S·V, one head at a time into a
// reused score buffer, BLAS threads), i.e. the FLOP floor without softmax or memory bounds.
void BM_AttentionGemmFloor(benchmark::State& state) {
  const int64_t B = state.range(0), H = state.range(1), L = state.range(2), D = state.range(3);
  num_threads();
  Tensor q = random({B * H, L, D}, 1), k = random({B * H, L, D}, 2), v = random({B * H, L, D}, 3);
  Tensor s = Tensor::empty({L, L}), o = Tensor::empty({B * H, L, D});
  for (auto _ : state) {
    for (int64_t h = 0; h < B * H; ++h) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, D, 0.125f, q.data<float>() + h * L * D, D,
                  k.data<float>() + h * L * D, D, 0.f, s.data<float>(), L);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, D, L, 1.f, s.data<float>(), L,
                  v.data<float>() + h * L * D, D, 0.f, o.data<float>() + h * L * D, D);
    }
    benchmark::DoNotOptimize(o.data<float>());
  }
  set_flops(state, 4.0 * B * H * L * L * D);
}

}  // namespace

BENCHMARK(BM_AttentionGemmFloor)->Args({1, 16, 5184, 64})->Args({9, 16, 576, 64})->ArgNames({"B", "H", "L", "D"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Attention)->Args({1, 16, 5184, 64})->Args({9, 16, 576, 64})->ArgNames({"B", "H", "L", "D"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionComposite)->Args({9, 16, 576, 64})->ArgNames({"B", "H", "L", "D"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
