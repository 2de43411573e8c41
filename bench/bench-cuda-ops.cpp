// The image model's heaviest ops on a CUDA device, at the released model's shapes: device time per
// call (each iteration ends with a device synchronisation). Skips every benchmark without a GPU.
// Counters: FLOP/s from the op's arithmetic.
#include <cmath>

#include "backend/backend.h"
#include "bench/bench-util.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

bool have_gpu(benchmark::State& state) {
  if (device_count(DeviceType::kCUDA) > 0) return true;
  state.SkipWithError("no CUDA device");
  return false;
}

Tensor on_gpu(const Shape& shape, uint64_t seed) { return random(shape, seed).to(Device::cuda(0)); }

template <class Fn>
void run(benchmark::State& state, Fn&& fn, double flops) {
  fn();  // warm-up: allocations, cuBLAS heuristics
  synchronize(Device::cuda(0));
  for (auto _ : state) {
    fn();
    synchronize(Device::cuda(0));
  }
  set_flops(state, flops);
}

// args: rows, in, out
void BM_CudaLinear(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const Tensor x = on_gpu({rows, in}, 1), w = on_gpu({out, in}, 2), b = on_gpu({out}, 3);
  run(state, [&] { benchmark::DoNotOptimize(ops::linear(x, w, b)); }, 2.0 * rows * in * out);
}

// args: channels in, channels out, size, kernel, stride, padding
void BM_CudaConv2d(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int64_t ci = state.range(0), co = state.range(1), s = state.range(2), k = state.range(3);
  const int st = static_cast<int>(state.range(4)), pad = static_cast<int>(state.range(5));
  const Tensor x = on_gpu({1, ci, s, s}, 4), w = on_gpu({co, ci, k, k}, 5), b = on_gpu({co}, 6);
  const int64_t so = (s + 2 * pad - k) / st + 1;
  run(state, [&] { benchmark::DoNotOptimize(ops::conv2d(x, w, b, st, st, pad, pad)); }, 2.0 * co * ci * k * k * so * so);
}

// args: channels in, channels out, size (kernel 2, stride 2)
void BM_CudaConvTranspose2d(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int64_t ci = state.range(0), co = state.range(1), s = state.range(2);
  const Tensor x = on_gpu({1, ci, s, s}, 7), w = on_gpu({ci, co, 2, 2}, 8), b = on_gpu({co}, 9);
  run(state, [&] { benchmark::DoNotOptimize(ops::conv_transpose2d(x, w, b, 2, 2)); }, 2.0 * ci * co * 4 * s * s);
}

// args: batch, heads, tokens, head dim — q/k/v head views of [B, L, H, D] as the ViT makes them
void BM_CudaAttention(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const int64_t B = state.range(0), H = state.range(1), L = state.range(2), D = state.range(3);
  const Tensor q = on_gpu({B, L, H, D}, 10).permute({0, 2, 1, 3});
  const Tensor k = on_gpu({B, L, H, D}, 11).permute({0, 2, 1, 3});
  const Tensor v = on_gpu({B, L, H, D}, 12).permute({0, 2, 1, 3});
  const float scale = 1.f / std::sqrt(static_cast<float>(D));
  run(state, [&] { benchmark::DoNotOptimize(ops::attention(q, k, v, Tensor(), Tensor(), scale)); },
      4.0 * B * H * L * L * D);
}

// A [L, C] activation → [C, L]-ordered copy (the layout changes between ViT blocks and the neck).
void BM_CudaTransposeCopy(benchmark::State& state) {
  if (!have_gpu(state)) return;
  const Tensor x = on_gpu({5184, 1024}, 13);
  run(state, [&] { benchmark::DoNotOptimize(x.transpose(0, 1).contiguous()); }, 0);
  state.counters["GB/s"] = benchmark::Counter(2.0 * 4 * x.numel() * state.iterations(), benchmark::Counter::kIsRate,
                                              benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK(BM_CudaLinear)->Args({5184, 1024, 3072})->Args({5184, 1024, 4736})->Args({5184, 4736, 1024})
    ->Args({5184, 256, 2048})->ArgNames({"rows", "in", "out"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CudaConv2d)
    ->Args({3, 1024, 1008, 14, 14, 0})->Args({256, 256, 288, 3, 1, 1})->Args({256, 256, 72, 3, 1, 1})
    ->Args({512, 256, 144, 1, 1, 0})->ArgNames({"ci", "co", "s", "k", "st", "pad"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CudaConvTranspose2d)->Args({1024, 512, 72})->Args({512, 256, 144})->ArgNames({"ci", "co", "s"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CudaAttention)->Args({1, 16, 5184, 64})->Args({9, 16, 576, 64})->Args({1, 8, 5184, 32})
    ->ArgNames({"B", "H", "L", "D"})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CudaTransposeCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
