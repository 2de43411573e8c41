#include "model/vision-random-weights.h"

#include <cmath>
#include <string>

#include "core/thread-pool.h"

namespace sam3rt {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Uniform in [center − half_width, center + half_width); counter-based, so the fill is parallel
// and the values do not depend on the thread count.
Tensor random_uniform(const Shape& shape, uint64_t seed, float center, float half_width) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data<float>();
  parallel_for(t.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double u = static_cast<double>(splitmix64(seed + static_cast<uint64_t>(i)) >> 11) * 0x1.0p-53;
      p[i] = center + half_width * static_cast<float>(2.0 * u - 1.0);
    }
  });
  return t;
}

}  // namespace

void add_random_vision_weights(const Sam3Config& config, WeightStore& weights, uint64_t seed) {
  const std::string prefix = "detector.backbone.vision_backbone.";
  const std::string trunk = prefix + "trunk.";
  const int64_t C = config.vit_dim, p = config.patch_size, g0 = config.pretrain_grid(), d = config.d_model;
  const int64_t hidden = config.vit_mlp_hidden();

  auto put = [&](const std::string& name, const Shape& shape, float center, float half_width) {
    weights.set(name, random_uniform(shape, splitmix64(seed ^ hash_name(name)), center, half_width));
  };
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    put(name + ".weight", {out, in}, 0.f, 1.f / std::sqrt(static_cast<float>(in)));
    put(name + ".bias", {out}, 0.f, 0.02f);
  };
  auto norm = [&](const std::string& name) {
    put(name + ".weight", {C}, 1.f, 0.1f);
    put(name + ".bias", {C}, 0.f, 0.02f);
  };
  auto conv = [&](const std::string& name, const Shape& w, int64_t out, int64_t fan_in) {
    put(name + ".weight", w, 0.f, 1.f / std::sqrt(static_cast<float>(fan_in)));
    put(name + ".bias", {out}, 0.f, 0.02f);
  };

  put(trunk + "patch_embed.proj.weight", {C, 3, p, p}, 0.f, 1.f / std::sqrt(static_cast<float>(3 * p * p)));
  put(trunk + "pos_embed", {1, 1 + g0 * g0, C}, 0.f, 0.05f);
  norm(trunk + "ln_pre");
  for (int i = 0; i < config.vit_depth; ++i) {
    const std::string b = trunk + "blocks." + std::to_string(i) + ".";
    norm(b + "norm1");
    linear(b + "attn.qkv", 3 * C, C);
    linear(b + "attn.proj", C, C);
    norm(b + "norm2");
    linear(b + "mlp.fc1", hidden, C);
    linear(b + "mlp.fc2", C, hidden);
  }
  // ConvTranspose2d weights are [in, out, kh, kw]
  conv(prefix + "convs.0.dconv_2x2_0", {C, C / 2, 2, 2}, C / 2, C);
  conv(prefix + "convs.0.dconv_2x2_1", {C / 2, C / 4, 2, 2}, C / 4, C / 2);
  conv(prefix + "convs.0.conv_1x1", {d, C / 4, 1, 1}, d, C / 4);
  conv(prefix + "convs.0.conv_3x3", {d, d, 3, 3}, d, 9 * d);
  conv(prefix + "convs.1.dconv_2x2", {C, C / 2, 2, 2}, C / 2, C);
  conv(prefix + "convs.1.conv_1x1", {d, C / 2, 1, 1}, d, C / 2);
  conv(prefix + "convs.1.conv_3x3", {d, d, 3, 3}, d, 9 * d);
  conv(prefix + "convs.2.conv_1x1", {d, C, 1, 1}, d, C);
  conv(prefix + "convs.2.conv_3x3", {d, d, 3, 3}, d, 9 * d);
}

}  // namespace sam3rt
