// Vision backbone (ViT trunk + neck + sine PE) encode of one image on CPU with seeded random
// weights built in memory: the released configuration (1008×1008) and the fixtures' tiny one.
// Reports wall time, GFLOP/s, the HostAllocator peak during the encode and the process VmHWM.
//
//   build/release/bench/bench_backbone --benchmark_filter=released   (slow: minutes on 2 cores)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/allocator.h"
#include "core/log.h"
#include "core/thread-pool.h"
#include "model/config.h"
#include "model/vision-backbone.h"
#include "model/vision-random-weights.h"

namespace {

using namespace sam3rt;

// Peak resident set of the process (kB → MB), from /proc/self/status.
double vm_hwm_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Multiply-adds ×2 of the GEMM-like work: trunk (patch embed, qkv, attention, proj, MLP) and neck.
double encode_flops(const Sam3Config& c) {
  const double C = c.vit_dim, g = c.grid_size(), L = g * g, p = c.patch_size, h = c.vit_mlp_hidden(),
               d = c.d_model, w = c.vit_window;
  double f = 2 * L * C * 3 * p * p;
  const int blocks = c.vit_global.empty() ? c.vit_depth : c.vit_global.back() + 1;
  for (int i = 0; i < blocks; ++i) {
    const double T = c.is_global_block(i) ? L : w * w;
    f += 2 * L * C * (3 * C + C + 2 * h) + 4 * L * T * C;
  }
  f += 2 * L * C * (C / 2) * 4 + 2 * (4 * L) * (C / 2) * (C / 4) * 4;  // ×4 transposed convs
  f += 2 * (16 * L) * (C / 4) * d + 2 * (16 * L) * d * d * 9;          // ×4 1×1, 3×3
  f += 2 * L * C * (C / 2) * 4 + 2 * (4 * L) * (C / 2) * d + 2 * (4 * L) * d * d * 9;  // ×2
  f += 2 * L * C * d + 2 * L * d * d * 9;                                                // ×1
  return f;
}

void log_to_stderr(LogLevel level, const char* message, void*) {
  if (level >= LogLevel::kWarning) std::fprintf(stderr, "[sam3rt] %s\n", message);
}

void run_encode(benchmark::State& state, const Sam3Config& config) {
  set_log_callback(log_to_stderr, nullptr);
  WeightStore weights;
  add_random_vision_weights(config, weights, 1234);
  double weight_mb = 0;
  for (const auto& [name, t] : weights.all()) weight_mb += t.nbytes() / (1024.0 * 1024.0);
  VisionBackbone backbone(config, weights);

  // A deterministic image in the normalised pixel range [−1, 1].
  const int64_t S = config.image_size;
  Tensor pixels = Tensor::empty({1, 3, S, S});
  float* px = pixels.data<float>();
  for (int64_t i = 0; i < pixels.numel(); ++i) px[i] = static_cast<float>((i * 7919) % 2001) / 1000.f - 1.f;

  HostAllocator::instance().reset_peak();
  const size_t in_use_before = HostAllocator::instance().stats().bytes_in_use;
  for (auto _ : state) {
    BackboneFeatures f = backbone.forward(pixels);
    benchmark::DoNotOptimize(f.fpn[0].raw_data());
  }
  const AllocatorStats st = HostAllocator::instance().stats();
  const double flops = encode_flops(config);
  state.counters["GFLOP"] = flops / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.counters["weights_MB"] = weight_mb;
  state.counters["encode_peak_MB"] = (st.peak_bytes_in_use - in_use_before) / (1024.0 * 1024.0);
  state.counters["alloc_peak_MB"] = st.peak_bytes_in_use / (1024.0 * 1024.0);
  state.counters["VmHWM_MB"] = vm_hwm_mb();
  state.counters["threads"] = num_threads();
}

void BM_BackboneEncode_released(benchmark::State& state) { run_encode(state, Sam3Config::released()); }

// Released widths and image size, one window block and one global block: the per-block costs and
// the fixed costs (patch embedding, neck) in a fraction of the full encode's time.
void BM_BackboneEncode_released_2blocks(benchmark::State& state) {
  Sam3Config c = Sam3Config::released();
  c.vit_depth = 2;
  c.vit_global = {1};
  run_encode(state, c);
}

// The fixtures' tiny configuration (tests/data/sam3-tiny/model/sam3-tiny.config.json).
void BM_BackboneEncode_tiny(benchmark::State& state) {
  Sam3Config c;
  c.image_size = 168;
  c.pretrain_image_size = 56;
  c.vit_dim = 32;
  c.vit_depth = 4;
  c.vit_heads = 2;
  c.vit_window = 4;
  c.vit_global = {1, 3};
  c.d_model = 32;
  c.validate();
  run_encode(state, c);
}

}  // namespace

BENCHMARK(BM_BackboneEncode_released)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_BackboneEncode_released_2blocks)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_BackboneEncode_tiny)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
