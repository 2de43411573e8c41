// Helpers shared by the micro-benchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>

#include "core/tensor.h"

namespace sam3rt::bench {

// Uniform [-1, 1) f32 tensor from a fixed seed.
inline Tensor random(const Shape& shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Reports FLOP/s for a benchmark that does `flops_per_iter` floating-point operations per iteration.
inline void set_flops(benchmark::State& state, double flops_per_iter) {
  state.counters["FLOP/s"] =
      benchmark::Counter(flops_per_iter * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace sam3rt::bench
