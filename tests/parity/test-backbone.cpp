// Vision backbone parity: every fixture case's backbone intermediates against the official
// implementation's, the RoPE tables against the checkpoint's freqs_cis, and odd configurations
// (grid not a multiple of the position-embedding grid, several windows, other head counts)
// against an independent naive implementation written here in double precision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "core/log.h"
#include "model/vision-backbone.h"
#include "model/neck.h"
#include "model/vision-random-weights.h"
#include "model/vit-attention.h"
#include "model/vit.h"
#include "ops/ops.h"

namespace sam3rt::test {
namespace {

constexpr double kTol = 1e-4;  // fp32 parity bound of engineering.md §4
// The cases are compared with the official implementation run in float32 (tests/data/sam3-tiny-fp32).
// The shared fixtures were made with TF32 on, although their README says off (the official
// model_builder enables it at import): the regeneration script reproduces them bit for bit only
// with TF32 on. In the trunk the residual stream dilutes that rounding; in the neck it does not
// (cuDNN ran the convs with 10-bit-mantissa operands): FixtureNeckUsedTf32 below shows the shared
// backbone.fpn.* sit at the TF32-rounded neck, 2e-4 … 3.2e-4 from the exact one.
const std::string kTrunk = "detector.backbone.vision_backbone.trunk.";

const VisionBackbone& tiny_backbone() {
  static auto model = load_tiny_model();
  static VisionBackbone backbone(model->config, model->weights);
  return backbone;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: every named backbone tensor of every case.

class BackboneParity : public ::testing::TestWithParam<std::string> {};

TEST_P(BackboneParity, EveryIntermediateMatchesReference) {
  const Sam3Config& config = load_tiny_model()->config;
  FixtureCase c = load_case(GetParam());
  TensorDump dump;
  BackboneFeatures features = tiny_backbone().forward(c.get("input.pixels"), &dump);

  std::vector<std::string> names = {"vit.patch_embed", "vit.ln_pre"};
  for (int i = 0; i < config.vit_depth; ++i) names.push_back("vit.blocks." + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    names.push_back("backbone.fpn." + std::to_string(i));
    names.push_back("backbone.pos." + std::to_string(i));
  }
  // worst relative error per group: trunk (vit.*), neck (backbone.fpn.*), encodings (backbone.pos.*)
  std::map<std::string, std::pair<double, std::string>> worst;
  for (const std::string& name : names) {
    ASSERT_TRUE(c.has(name)) << "fixture case " << c.name << " lacks " << name;
    ASSERT_TRUE(dump.count(name)) << "the backbone did not dump " << name;
    const double e = expect_close(c.name + " " + name, dump.at(name), c.get(name), kTol);
    const std::string group = name.substr(0, name.find('.', name.find('.') + 1));
    auto& w = worst[name.rfind("vit.", 0) == 0 ? "vit" : group];
    if (e >= w.first) w = {e, name};
  }
  for (const auto& [group, w] : worst)
    std::printf("[ backbone ] %-16s %-13s worst relative error %.3g (%s)\n", c.name.c_str(), group.c_str(), w.first,
                w.second.c_str());
  std::fflush(stdout);
  // The returned features are the dumped ones.
  ASSERT_EQ(features.fpn.size(), 3u);
  ASSERT_EQ(features.pos.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    expect_close(c.name + " fpn[" + std::to_string(i) + "]", features.fpn[i], c.get("backbone.fpn." + std::to_string(i)), kTol);
    expect_close(c.name + " pos[" + std::to_string(i) + "]", features.pos[i], c.get("backbone.pos." + std::to_string(i)), kTol);
  }
}

INSTANTIATE_TEST_SUITE_P(TinyCases, BackboneParity, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(BackboneParity, RejectsWrongPixelShape) {
  const int S = load_tiny_model()->config.image_size;
  Tensor wrong = random_tensor({1, 3, S, S + 14}, 1);
  try {
    tiny_backbone().forward(wrong);
    FAIL() << "no error for a wrong image size";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("pixels"), std::string::npos) << e.what();
  }
}

// A missing or mis-shaped backbone tensor is one clear format error naming it.
TEST(BackboneParity, MissingOrMisShapedWeightIsNamed) {
  auto model = load_tiny_model();
  const std::string fc1 = kTrunk + "blocks.2.mlp.fc1.weight";
  const std::string conv = "detector.backbone.vision_backbone.convs.1.conv_3x3.weight";
  for (int mode = 0; mode < 2; ++mode) {
    WeightStore weights = model->weights;
    const std::string name = mode == 0 ? fc1 : conv;
    if (mode == 0) weights.erase(name);
    else weights.set(name, random_tensor({3, 3, 3, 3}, 9));
    try {
      VisionBackbone backbone(model->config, weights);
      FAIL() << "no error for " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kFormat);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RoPE: the computed tables equal the checkpoint's freqs_cis (window and global blocks).

TEST(BackboneRope, ComputedTableMatchesCheckpoint) {
  auto model = load_tiny_model();
  const Sam3Config& config = model->config;
  int window_block = -1, global_block = -1;
  for (int i = 0; i < config.vit_depth; ++i) (config.is_global_block(i) ? global_block : window_block) = i;
  ASSERT_GE(window_block, 0);
  ASSERT_GE(global_block, 0);
  for (int i : {window_block, global_block}) {
    const std::string name = kTrunk + "blocks." + std::to_string(i) + ".attn.freqs_cis";
    ASSERT_TRUE(model->weights.has(name)) << name;
    const Tensor& stored = model->weights.get(name);
    Tensor computed = vit_rope_table(config, config.is_global_block(i));
    ASSERT_EQ(computed.shape(), stored.shape()) << name;
    const double diff = max_abs_diff(computed, stored);
    EXPECT_LE(diff, 1e-5) << name;
    std::printf("[ rope ] block %d (%s): %s, max abs diff %.3g\n", i, config.is_global_block(i) ? "global" : "window",
                stored.shape().str().c_str(), diff);
  }
}

struct CapturedLog {
  std::vector<std::string> warnings;
  static void callback(LogLevel level, const char* message, void* user) {
    if (level == LogLevel::kWarning) static_cast<CapturedLog*>(user)->warnings.push_back(message);
  }
};

TEST(BackboneRope, StoredTableWinsAndADifferenceIsReported) {
  Tensor computed = ops::axial_rope_table(8, 3, 3, 10000.f, 1.f);
  CapturedLog log;
  set_log_callback(CapturedLog::callback, &log);
  Tensor same = resolve_rope_table(computed, computed.clone(), "blocks.0.attn.freqs_cis");
  EXPECT_TRUE(log.warnings.empty());
  Tensor changed = computed.clone();
  changed.data<float>()[5] += 1e-3f;
  Tensor used = resolve_rope_table(computed, changed, "blocks.0.attn.freqs_cis");
  set_log_callback(nullptr, nullptr);
  ASSERT_EQ(log.warnings.size(), 1u);
  EXPECT_NE(log.warnings[0].find("blocks.0.attn.freqs_cis"), std::string::npos) << log.warnings[0];
  EXPECT_EQ(max_abs_diff(used, changed), 0.0);
  EXPECT_EQ(max_abs_diff(same, computed), 0.0);
  // A mis-shaped stored table is a format error naming the tensor.
  try {
    resolve_rope_table(computed, ops::axial_rope_table(8, 4, 4, 10000.f, 1.f), "blocks.0.attn.freqs_cis");
    FAIL() << "no error for a mis-shaped freqs_cis";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("blocks.0.attn.freqs_cis"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Neck: our fp32 neck against a naive double-precision one on the fixture's own trunk output, and
// the fixture against the same naive neck with the reference's TF32 operand rounding.

// Rounds to TF32 (10 explicit mantissa bits, round to nearest) like the tensor-core convs.
double round_tf32(double d) {
  float f = static_cast<float>(d);
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u = (u + 0xFFFu + ((u >> 13) & 1u)) & ~0x1FFFu;  // nearest, ties to even (fits the data best)
  std::memcpy(&f, &u, 4);
  return f;
}

struct NaiveMap {
  int64_t c = 0, h = 0, w = 0;
  std::vector<double> v;  // [c, h, w]
  double at(int64_t ch, int64_t y, int64_t x) const { return v[(ch * h + y) * w + x]; }
};

std::vector<double> values(const Tensor& t, bool tf32) {
  std::vector<float> f = t.to_vector();
  std::vector<double> d(f.begin(), f.end());
  if (tf32)
    for (double& x : d) x = round_tf32(x);
  return d;
}

// Conv2d stride 1, zero padding `pad`; weight [O, C, k, k].
NaiveMap naive_conv(const NaiveMap& in, const Tensor& weight, const Tensor& bias, int pad, bool tf32) {
  const int64_t O = weight.size(0), k = weight.size(2);
  std::vector<double> W = values(weight, tf32), b = values(bias, false);
  NaiveMap x = in;
  if (tf32)
    for (double& e : x.v) e = round_tf32(e);
  NaiveMap out{O, in.h, in.w, std::vector<double>(O * in.h * in.w)};
  for (int64_t o = 0; o < O; ++o)
    for (int64_t y = 0; y < in.h; ++y)
      for (int64_t xx = 0; xx < in.w; ++xx) {
        double s = b[o];
        for (int64_t ci = 0; ci < in.c; ++ci)
          for (int64_t a = 0; a < k; ++a)
            for (int64_t e = 0; e < k; ++e) {
              const int64_t iy = y + a - pad, ix = xx + e - pad;
              if (iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) s += W[((o * in.c + ci) * k + a) * k + e] * x.at(ci, iy, ix);
            }
        out.v[(o * in.h + y) * in.w + xx] = s;
      }
  return out;
}

// ConvTranspose2d k=s=2; weight [C, O, 2, 2]: out[o, 2i+a, 2j+b] = bias[o] + Σ_c in[c,i,j]·W[c,o,a,b]
NaiveMap naive_up(const NaiveMap& in, const Tensor& weight, const Tensor& bias, bool tf32) {
  const int64_t O = weight.size(1);
  std::vector<double> W = values(weight, tf32), b = values(bias, false);
  NaiveMap out{O, 2 * in.h, 2 * in.w, std::vector<double>(O * 4 * in.h * in.w)};
  for (int64_t o = 0; o < O; ++o)
    for (int64_t y = 0; y < out.h; ++y)
      for (int64_t x = 0; x < out.w; ++x) {
        double s = b[o];
        for (int64_t ci = 0; ci < in.c; ++ci) {
          const double a = tf32 ? round_tf32(in.at(ci, y / 2, x / 2)) : in.at(ci, y / 2, x / 2);
          s += a * W[((ci * O + o) * 2 + y % 2) * 2 + x % 2];
        }
        out.v[(o * out.h + y) * out.w + x] = s;
      }
  return out;
}

// Which convolutions round their operands to TF32 (the fixture's cuDNN choices, found by
// elimination: every Conv2d and the ×4 branch's second transposed conv; not the transposed convs
// that read the 1024-wide (here 32-wide) trunk map, not the 3-channel patch embedding).
struct Tf32Choice {
  bool conv = false, up_from_trunk = false, up_second = false;
};

std::vector<NaiveMap> naive_neck(const Sam3Config& config, const WeightStore& w, const Tensor& trunk_nchw,
                                 Tf32Choice t) {
  const std::string p = "detector.backbone.vision_backbone.convs.";
  auto W = [&](const std::string& n) { return w.get(p + n + ".weight"); };
  auto B = [&](const std::string& n) { return w.get(p + n + ".bias"); };
  const int64_t g = config.grid_size();
  NaiveMap x{config.vit_dim, g, g, values(trunk_nchw, false)};
  std::vector<NaiveMap> out;
  NaiveMap u = naive_up(x, W("0.dconv_2x2_0"), B("0.dconv_2x2_0"), t.up_from_trunk);
  for (double& e : u.v) e = 0.5 * e * (1.0 + std::erf(e / std::sqrt(2.0)));
  u = naive_up(u, W("0.dconv_2x2_1"), B("0.dconv_2x2_1"), t.up_second);
  out.push_back(naive_conv(naive_conv(u, W("0.conv_1x1"), B("0.conv_1x1"), 0, t.conv), W("0.conv_3x3"), B("0.conv_3x3"), 1, t.conv));
  u = naive_up(x, W("1.dconv_2x2"), B("1.dconv_2x2"), t.up_from_trunk);
  out.push_back(naive_conv(naive_conv(u, W("1.conv_1x1"), B("1.conv_1x1"), 0, t.conv), W("1.conv_3x3"), B("1.conv_3x3"), 1, t.conv));
  out.push_back(naive_conv(naive_conv(x, W("2.conv_1x1"), B("2.conv_1x1"), 0, t.conv), W("2.conv_3x3"), B("2.conv_3x3"), 1, t.conv));
  return out;
}

Tensor to_tensor(const NaiveMap& m) {
  return Tensor::from_vector({1, m.c, m.h, m.w}, std::vector<float>(m.v.begin(), m.v.end()));
}

Tensor fixture_trunk_output(const Sam3Config& config, const FixtureCase& c) {
  // vit.blocks.<last global> [1, g, g, C] → [1, C, g, g]
  return c.get("vit.blocks." + std::to_string(config.vit_global.back())).permute({0, 3, 1, 2}).contiguous();
}

TEST(BackboneNeck, NeckIsExactFp32) {
  auto model = load_tiny_model();
  FixtureCase c = load_case(case_names().front());
  Tensor x = fixture_trunk_output(model->config, c);
  SimpleFpnNeck neck(model->config, model->weights, "detector.backbone.vision_backbone.");
  std::vector<Tensor> ours = neck.forward(x);
  std::vector<NaiveMap> exact = naive_neck(model->config, model->weights, x, {});
  ASSERT_EQ(ours.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    double e = expect_close("neck level " + std::to_string(i), ours[i], to_tensor(exact[i]), 1e-6);
    std::printf("[ neck ] level %d: ours vs exact %.3g\n", i, e);
  }
}

TEST(BackboneNeck, FixtureNeckUsedTf32) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  auto model = load_tiny_model();
  for (const std::string& name : case_names()) {
    FixtureCase c = load_case(name, Reference::kSharedTf32);
    Tensor x = fixture_trunk_output(model->config, c);
    std::vector<NaiveMap> exact = naive_neck(model->config, model->weights, x, {});
    std::vector<NaiveMap> tf32 = naive_neck(model->config, model->weights, x, {true, false, true});
    for (int i = 0; i < 3; ++i) {
      const Tensor& ref = c.get("backbone.fpn." + std::to_string(i));
      const double e_exact = rel_error(to_tensor(exact[i]), ref);
      const double e_tf32 = rel_error(to_tensor(tf32[i]), ref);
      // The TF32 rounding explains the difference: the fixture sits far closer to the rounded
      // neck (measured 0.7e-6 … 3e-5) than to the exact one (2e-4 … 3.2e-4). The remainder is
      // cuDNN's own summation order and algorithm choices.
      EXPECT_LT(e_tf32, 0.2 * e_exact) << name << " level " << i;
      std::printf("[ neck ] %-16s level %d: fixture vs exact fp32 %.3g, vs TF32-rounded %.3g\n", name.c_str(), i,
                  e_exact, e_tf32);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Odd configurations against a naive double-precision trunk (row-major tokens, explicit windows,
// complex RoPE), written from spec §4 independently of src/model.

struct NaiveTrunk {
  const Sam3Config& c;
  const WeightStore& w;

  std::vector<double> get(const std::string& name) const {
    std::vector<float> v = w.get(kTrunk + name).to_vector();
    return std::vector<double>(v.begin(), v.end());
  }
  static void layer_norm(std::vector<double>& x, int64_t n, int64_t C, const std::vector<double>& g,
                         const std::vector<double>& b, double eps) {
    for (int64_t t = 0; t < n; ++t) {
      double* r = &x[t * C];
      double mean = 0, var = 0;
      for (int64_t i = 0; i < C; ++i) mean += r[i];
      mean /= C;
      for (int64_t i = 0; i < C; ++i) var += (r[i] - mean) * (r[i] - mean);
      var /= C;
      for (int64_t i = 0; i < C; ++i) r[i] = (r[i] - mean) / std::sqrt(var + eps) * g[i] + b[i];
    }
  }
  static std::vector<double> linear(const std::vector<double>& x, int64_t n, int64_t in, const std::vector<double>& W,
                                    const std::vector<double>& b, int64_t out) {
    std::vector<double> y(n * out);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t o = 0; o < out; ++o) {
        double s = b[o];
        for (int64_t i = 0; i < in; ++i) s += x[t * in + i] * W[o * in + i];
        y[t * out + o] = s;
      }
    return y;
  }

  // pixels [1, 3, S, S] → outputs of blocks 0..last global, each [g·g, C] row-major tokens
  std::vector<std::vector<double>> run(const Tensor& pixels) const {
    const int64_t C = c.vit_dim, g = c.grid_size(), p = c.patch_size, g0 = c.pretrain_grid(), S = c.image_size;
    const int64_t L = g * g, H = c.vit_heads, hd = C / H, hidden = c.vit_mlp_hidden(), win = c.vit_window;
    const double eps = c.layer_norm_eps;
    std::vector<float> px = pixels.to_vector();
    std::vector<double> pw = get("patch_embed.proj.weight"), pos = get("pos_embed");
    std::vector<double> x(L * C);
    for (int64_t y = 0; y < g; ++y)
      for (int64_t xx = 0; xx < g; ++xx)
        for (int64_t o = 0; o < C; ++o) {
          double s = 0;
          for (int64_t ci = 0; ci < 3; ++ci)
            for (int64_t ky = 0; ky < p; ++ky)
              for (int64_t kx = 0; kx < p; ++kx)
                s += pw[((o * 3 + ci) * p + ky) * p + kx] * px[(ci * S + y * p + ky) * S + xx * p + kx];
          // tiled absolute position embedding, cls row skipped
          s += pos[(1 + (y % g0) * g0 + (xx % g0)) * C + o];
          x[(y * g + xx) * C + o] = s;
        }
    layer_norm(x, L, C, get("ln_pre.weight"), get("ln_pre.bias"), eps);

    std::vector<std::vector<double>> outs;
    for (int blk = 0; blk <= c.vit_global.back(); ++blk) {
      const std::string b = "blocks." + std::to_string(blk) + ".";
      const bool global = c.is_global_block(blk);
      std::vector<double> h = x;
      layer_norm(h, L, C, get(b + "norm1.weight"), get(b + "norm1.bias"), eps);
      std::vector<double> qkv = linear(h, L, C, get(b + "attn.qkv.weight"), get(b + "attn.qkv.bias"), 3 * C);
      // RoPE on q and k: pair j < hd/4 rotates by x·f_j, the others by y·f_{j−hd/4}
      for (int64_t t = 0; t < L; ++t) {
        const int64_t ty = t / g, tx = t % g;
        const double sc = global ? static_cast<double>(win) / g : 1.0;
        const double py = (global ? ty : ty % win) * sc, pxp = (global ? tx : tx % win) * sc;
        for (int s = 0; s < 2; ++s)
          for (int64_t head = 0; head < H; ++head)
            for (int64_t j = 0; j < hd / 2; ++j) {
              const int64_t q4 = hd / 4;
              const double f = std::pow(static_cast<double>(c.rope_theta), -4.0 * (j % q4) / hd);
              const double ang = (j < q4 ? pxp : py) * f;
              double* v = &qkv[t * 3 * C + s * C + head * hd + 2 * j];
              const double re = v[0] * std::cos(ang) - v[1] * std::sin(ang);
              const double im = v[0] * std::sin(ang) + v[1] * std::cos(ang);
              v[0] = re, v[1] = im;
            }
      }
      // attention among the tokens of the same window (global: all tokens)
      std::vector<double> att(L * C, 0.0);
      const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
      for (int64_t t = 0; t < L; ++t) {
        std::vector<int64_t> keys;
        for (int64_t u = 0; u < L; ++u)
          if (global || ((u / g) / win == (t / g) / win && (u % g) / win == (t % g) / win)) keys.push_back(u);
        for (int64_t head = 0; head < H; ++head) {
          std::vector<double> logit(keys.size());
          double mx = -1e300;
          for (size_t k = 0; k < keys.size(); ++k) {
            double s = 0;
            for (int64_t i = 0; i < hd; ++i)
              s += qkv[t * 3 * C + head * hd + i] * qkv[keys[k] * 3 * C + C + head * hd + i];
            logit[k] = s * scale;
            mx = std::max(mx, logit[k]);
          }
          double den = 0;
          for (double& l : logit) den += (l = std::exp(l - mx));
          for (size_t k = 0; k < keys.size(); ++k)
            for (int64_t i = 0; i < hd; ++i)
              att[t * C + head * hd + i] += logit[k] / den * qkv[keys[k] * 3 * C + 2 * C + head * hd + i];
        }
      }
      std::vector<double> proj = linear(att, L, C, get(b + "attn.proj.weight"), get(b + "attn.proj.bias"), C);
      for (int64_t i = 0; i < L * C; ++i) x[i] += proj[i];
      h = x;
      layer_norm(h, L, C, get(b + "norm2.weight"), get(b + "norm2.bias"), eps);
      std::vector<double> m = linear(h, L, C, get(b + "mlp.fc1.weight"), get(b + "mlp.fc1.bias"), hidden);
      for (double& v : m) v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      m = linear(m, L, hidden, get(b + "mlp.fc2.weight"), get(b + "mlp.fc2.bias"), C);
      for (int64_t i = 0; i < L * C; ++i) x[i] += m[i];
      outs.push_back(x);
    }
    return outs;
  }
};

struct OddConfig {
  const char* name;
  int image_size, pretrain_image_size, vit_dim, vit_depth, vit_heads, vit_window;
  std::vector<int> vit_global;
  int d_model;
};

class BackboneOddConfig : public ::testing::TestWithParam<OddConfig> {};

TEST_P(BackboneOddConfig, TrunkMatchesNaiveImplementation) {
  const OddConfig& o = GetParam();
  Sam3Config c;
  c.image_size = o.image_size;
  c.pretrain_image_size = o.pretrain_image_size;
  c.vit_dim = o.vit_dim;
  c.vit_depth = o.vit_depth;
  c.vit_heads = o.vit_heads;
  c.vit_window = o.vit_window;
  c.vit_global = o.vit_global;
  c.d_model = o.d_model;
  c.validate();
  WeightStore weights;
  add_random_vision_weights(c, weights, 77);
  VisionBackbone backbone(c, weights);
  Tensor pixels = random_tensor({1, 3, c.image_size, c.image_size}, 5);
  TensorDump dump;
  BackboneFeatures f = backbone.forward(pixels, &dump);

  const int g = c.grid_size();
  std::vector<std::vector<double>> ref = NaiveTrunk{c, weights}.run(pixels);
  ASSERT_EQ(static_cast<int>(ref.size()), c.vit_global.back() + 1);
  for (size_t i = 0; i < ref.size(); ++i) {
    const std::string name = "vit.blocks." + std::to_string(i);
    ASSERT_TRUE(dump.count(name)) << name;
    std::vector<float> rf(ref[i].begin(), ref[i].end());
    Tensor expected = Tensor::from_vector({1, g, g, c.vit_dim}, rf);
    expect_close(std::string(o.name) + " " + name, dump.at(name), expected, 1e-5);
  }
  // Blocks after the last global one do not influence the output and are not run.
  EXPECT_FALSE(dump.count("vit.blocks." + std::to_string(c.vit_global.back() + 1)));
  ASSERT_EQ(f.fpn.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const int64_t side = static_cast<int64_t>(g) * 4 >> i;
    EXPECT_EQ(f.fpn[i].shape(), Shape({1, c.d_model, side, side}));
    EXPECT_EQ(f.pos[i].shape(), f.fpn[i].shape());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, BackboneOddConfig,
    ::testing::Values(
        // grid 10 tiled from a 4×4 position grid (crop), 2×2 windows of 5, a window block after
        // the global one that must not run
        OddConfig{"grid10_win5", 140, 56, 24, 3, 2, 5, {1}, 16},
        // 5×5 windows of 2, 3 heads of 8, globals first and last, position grid 3
        OddConfig{"grid10_win2", 140, 42, 24, 3, 3, 2, {0, 2}, 16},
        // one window covering the whole grid
        OddConfig{"grid6_win6", 84, 28, 16, 2, 1, 6, {1}, 8}),
    [](const ::testing::TestParamInfo<OddConfig>& info) { return info.param.name; });

}  // namespace
}  // namespace sam3rt::test
