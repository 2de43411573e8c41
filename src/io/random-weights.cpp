#include "io/random-weights.h"

#include <cmath>

#include "core/thread-pool.h"
#include "io/native-model-file.h"

namespace sam3rt {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hash_name(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

Tensor random_weight(const Sam3Config& config, const WeightSpec& spec, uint64_t seed) {
  if (spec.role == WeightRole::kRope) {
    // ".../blocks.<i>.attn.freqs_cis": the real table of block i.
    const std::string key = ".blocks.";
    size_t at = spec.name.rfind(key);
    int block = std::stoi(spec.name.substr(at + key.size()));
    return compute_freqs_cis(config, block);
  }
  Shape shape = spec.shape;
  for (int i = 0; i < shape.size(); ++i)
    if (shape[i] < 0) shape[i] = 512;  // the unused text_projection's width in the released model
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  const float center = spec.role == WeightRole::kNormWeight ? 1.f : 0.f;
  const float scale = spec.fan_in > 0 ? 1.f / std::sqrt(static_cast<float>(spec.fan_in)) : 0.02f;
  const uint64_t base = hash_name(spec.name, seed);
  constexpr int64_t kChunk = 1 << 16;  // each chunk has its own stream: same values for any thread count
  const int64_t n = t.numel(), chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      uint64_t state = base + static_cast<uint64_t>(c) * 0x632be59bd9b4e019ull;
      const int64_t end = std::min(n, (c + 1) * kChunk);
      for (int64_t i = c * kChunk; i < end; ++i) {
        // 24 random bits -> uniform in [-1, 1)
        float u = static_cast<float>(splitmix64(state) >> 40) * (2.f / 16777216.f) - 1.f;
        p[i] = center + scale * u;
      }
    }
  });
  return t;
}

WeightStore random_weights(const Sam3Config& config, uint64_t seed) {
  WeightStore w;
  for (const WeightSpec& s : full_model_weight_specs(config)) w.set(s.name, random_weight(config, s, seed));
  return w;
}

void write_random_model(const std::string& path, const Sam3Config& config, const std::vector<std::string>& merges,
                        DType dtype, uint64_t seed) {
  std::vector<WeightSpec> specs = full_model_weight_specs(config);
  std::vector<SafetensorsEntry> entries;
  for (const WeightSpec& s : specs) {
    Shape shape = s.shape;
    for (int i = 0; i < shape.size(); ++i)
      if (shape[i] < 0) shape[i] = 512;
    entries.push_back({s.name, DType::kF32, shape});
  }
  write_native_model(path, config, merges, "random", dtype, entries,
                     [&](size_t i) { return random_weight(config, specs[i], seed); });
}

}  // namespace sam3rt
