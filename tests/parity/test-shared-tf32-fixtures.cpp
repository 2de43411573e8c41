// Parity at the f32 bar (1e-4) by emulating the reference's TF32 arithmetic (core/numerics.h,
// reference-precision.h): every named tensor and raw.* of every fixture case, stage by stage
// (each stage from the fixture's own inputs, so a divergence names its stage) and end to end.
// The exact-f32 parity tests elsewhere stay as they are; this file runs in the emulated mode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <tuple>
#include <algorithm>
#include <string>
#include <vector>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "backend/cpu/cpu-kernels.h"
#include "core/numerics.h"
#include "ops/ops.h"
#include "model/grounding-head.h"
#include "model/sam3-image.h"
#include "model/text-encoder.h"
#include "model/vision-backbone.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

using P = MatmulPrecision;

const LoadedModel& model() { return *load_tiny_model(); }

// The reference's arithmetic, found stage by stage against the fixtures' named intermediates
// (see reference-precision.h): every Linear / matmul with more than one output row and column
// and every convolution ran with TF32 operands (round to nearest even), except three
// convolutions for which cuDNN chose a non-tensor-core algorithm: the 3-channel patch
// embedding, the transposed convs that read the trunk map, and the ROI-pooled box projection
// (kernel = roi_size). Attention (PyTorch's fused SDPA) was exact fp32.
bool fixture_tf32_filter(const GemmSite& s) {
  const Sam3Config& cfg = model().config;
  if (s.kind == GemmKind::kConv2d && s.in_channels == 3) return false;
  if (s.kind == GemmKind::kConvTranspose2d && s.in_channels == cfg.vit_dim) return false;
  if (s.kind == GemmKind::kConv2d && s.kernel_h == cfg.roi_size && s.kernel_w == cfg.roi_size) return false;
  return default_tf32_filter(s);
}

// The reference's numerics for the lifetime of the object.
class FixtureNumerics {
 public:
  FixtureNumerics() : numerics_(P::kTf32Emulated, P::kF32) { set_tf32_filter(fixture_tf32_filter); }
  ~FixtureNumerics() { set_tf32_filter(nullptr); }

 private:
  ScopedNumerics numerics_;
};

// Tensors held to the f32 bar in the emulated mode. The others are downstream of TF32 "rounding
// flips": an operand that sits within ~1e-7 of a TF32 rounding boundary rounds one way here and
// the other way on the GPU (the two differ in summation order, 1e-7 relative), which moves
// that element by one TF32 ulp (2^-11 relative); later layers spread it. Stage-isolated runs show
// the pattern: the errors are sparse (whole tokens at 1e-4, the rest at 1e-7), not dense as a
// wrong emulation would give. Those tensors are checked against the reference-noise bound of
// the exact-f32 tests (reference-precision.h) and reported.
bool held_to_f32_bar(const std::string& stage, const std::string& name) {
  if (name.rfind("vit.", 0) == 0 || name.rfind("backbone.", 0) == 0 || name.rfind("text.", 0) == 0) return true;
  if (stage != "grounding") return false;  // end to end, the grounding inputs carry the backbone's flips
  return name.rfind("geometry_encoder.", 0) == 0 || name == "encoder.layers.0" || name == "raw.pred_boxes" ||
         name == "raw.pred_boxes_xyxy";
}

// Compares every name present in both and prints each error for the report.
void compare_all(const std::string& stage, const FixtureCase& c, const TensorDump& dump,
                 const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!c.has(name)) continue;  // e.g. the text tensors of a case without text
    ASSERT_TRUE(dump.count(name)) << stage << " did not dump " << name;
    const bool strict = held_to_f32_bar(stage, name);
    const double rel = expect_close(c.name + " " + stage + " " + name, dump.at(name), c.get(name),
                                    strict ? kF32Tolerance : kTf32ReferenceTolerance);
    std::printf("[tf32] %-9s %-16s %-32s rel %.3g%s\n", stage.c_str(), c.name.c_str(), name.c_str(), rel,
                strict ? "" : "  (flip noise, not held to 1e-4)");
  }
}

class Tf32Emulation : public ::testing::TestWithParam<std::string> {};

TEST_P(Tf32Emulation, BackboneMatchesReference) {
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  static const VisionBackbone backbone(model().config, model().weights);
  FixtureNumerics numerics;
  TensorDump dump;
  backbone.forward(c.get("input.pixels"), &dump);
  compare_all("backbone", c, dump, backbone_tensor_names(model().config));
}

TEST_P(Tf32Emulation, TextEncoderMatchesReference) {
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  if (!c.has("input.token_ids")) GTEST_SKIP() << "case " << c.name << " has no input.token_ids";
  static const TextEncoder encoder(model().config, model().weights);
  FixtureNumerics numerics;
  TensorDump dump;
  encoder.forward(c.get("input.token_ids"), &dump);
  compare_all("text", c, dump, {"text.language_features", "text.language_mask"});
}

// From the fixture's own backbone.* and text.* tensors.
TEST_P(Tf32Emulation, GroundingMatchesReference) {
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  static const GroundingHead head(model().config, model().weights);
  BackboneFeatures image;
  for (int i = 0; i < 3; ++i) {
    image.fpn.push_back(c.get("backbone.fpn." + std::to_string(i)));
    image.pos.push_back(c.get("backbone.pos." + std::to_string(i)));
  }
  TextFeatures text;
  text.features = c.get("text.language_features");
  text.padding_mask = c.get("text.language_mask").to(DType::kU8);
  FixtureNumerics numerics;
  TensorDump dump;
  head.forward(image, text, case_boxes(c), {}, &dump);
  compare_all("grounding", c, dump, grounding_tensor_names(model().config));
}

// The whole chain from the case's pixels and token ids.
TEST_P(Tf32Emulation, EndToEndMatchesReference) {
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  if (!c.has("input.token_ids")) GTEST_SKIP() << "case " << c.name << " has no input.token_ids";
  static const Sam3ImageModel image_model(load_tiny_model());
  FixtureNumerics numerics;
  TensorDump dump;
  const BackboneFeatures image = image_model.encode_image(c.get("input.pixels"), &dump);
  const TextFeatures text = image_model.encode_text(c.get("input.token_ids"), &dump);
  image_model.ground(image, text, case_boxes(c), &dump);
  std::vector<std::string> names = backbone_tensor_names(model().config);
  names.push_back("text.language_features");
  names.push_back("text.language_mask");
  for (const std::string& n : grounding_tensor_names(model().config)) names.push_back(n);
  compare_all("e2e", c, dump, names);
}

// The emulation is what closes the gap: in exact f32 the neck and the text features sit at the
// reference's TF32 noise (> 1e-4 on some case), emulated they are at least 3x closer.
TEST(Tf32Emulation, EmulationClosesTheGapOnTheNeckAndText) {
  static const VisionBackbone backbone(model().config, model().weights);
  static const TextEncoder encoder(model().config, model().weights);
  double worst_exact = 0, worst_emulated = 0;
  for (const std::string& name : case_names()) {
    const FixtureCase c = load_case(name, Reference::kSharedTf32);
    for (bool emulate : {false, true}) {
      std::optional<FixtureNumerics> numerics;
      if (emulate) numerics.emplace();
      TensorDump dump;
      backbone.forward(c.get("input.pixels"), &dump);
      if (c.has("input.token_ids")) encoder.forward(c.get("input.token_ids"), &dump);
      for (const auto& [n, t] : dump) {
        if (n.rfind("backbone.fpn.", 0) != 0 && n != "text.language_features") continue;
        double& worst = emulate ? worst_emulated : worst_exact;
        worst = std::max(worst, rel_error(t, c.get(n)));
      }
    }
  }
  std::printf("[tf32] neck + text worst: exact f32 %.3g, emulated %.3g\n", worst_exact, worst_emulated);
  EXPECT_GT(worst_exact, kF32Tolerance);
  EXPECT_LE(worst_emulated, kF32Tolerance);
  EXPECT_LT(3 * worst_emulated, worst_exact);
  EXPECT_EQ(matmul_precision(), P::kF32);  // the guard restored the default
}

INSTANTIATE_TEST_SUITE_P(AllCases, Tf32Emulation, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The kernels in emulated mode: optimised and reference agree, both equal the exact product of
// TF32-rounded operands, the inputs are left untouched, and single-row products stay exact.
TEST(Tf32Kernels, OptimisedAndReferenceMultiplyRoundedOperands) {
  const Tensor x = random_tensor({2, 5, 24}, 1), w = random_tensor({7, 24}, 2), b = random_tensor({7}, 3);
  const Tensor a = random_tensor({3, 6, 24}, 4), m = random_tensor({3, 24, 9}, 5);
  const Tensor img = random_tensor({2, 6, 9, 11}, 6), cw = random_tensor({5, 6, 3, 3}, 7), cb = random_tensor({5}, 8);
  const Tensor tw = random_tensor({6, 4, 2, 2}, 9), tb = random_tensor({4}, 10);
  const Tensor x_before = x.clone(), w_before = w.clone();
  // Exact products of the rounded operands (computed in the default mode).
  const Tensor want_linear = cpu::ref::linear(tf32_rounded(x), tf32_rounded(w), b);
  const Tensor want_matmul = cpu::ref::matmul(tf32_rounded(a), tf32_rounded(m));
  const Tensor want_conv = cpu::ref::conv2d(tf32_rounded(img), tf32_rounded(cw), cb, 1, 1, 1, 1, 1);
  const Tensor want_up = cpu::ref::conv_transpose2d(tf32_rounded(img), tf32_rounded(tw), tb, 2, 2);
  const Tensor exact_linear = cpu::ref::linear(x, w, b);
  const Tensor row = x.select(0, 0).select(0, 0).unsqueeze(0);  // [1, 24]: GEMV on the GPU
  const Tensor exact_row = cpu::ref::linear(row, w, b);
  ScopedNumerics numerics(P::kTf32Emulated, P::kF32);
  for (const auto& [got, want, what] :
       {std::tuple{ops::linear(x, w, b), want_linear, "linear"}, {cpu::ref::linear(x, w, b), want_linear, "ref linear"},
        {ops::matmul(a, m), want_matmul, "matmul"}, {cpu::ref::matmul(a, m), want_matmul, "ref matmul"},
        {ops::conv2d(img, cw, cb, 1, 1, 1, 1), want_conv, "conv2d"},
        {cpu::ref::conv2d(img, cw, cb, 1, 1, 1, 1, 1), want_conv, "ref conv2d"},
        {ops::conv_transpose2d(img, tw, tb, 2, 2), want_up, "conv_transpose2d"},
        {cpu::ref::conv_transpose2d(img, tw, tb, 2, 2), want_up, "ref conv_transpose2d"}})
    EXPECT_LE(rel_error(got, want), 1e-6) << what;
  EXPECT_GT(rel_error(ops::linear(x, w, b), exact_linear), 1e-5);  // the rounding is visible
  EXPECT_LE(rel_error(ops::linear(row, w, b), exact_row), 1e-6);   // single row: exact
  EXPECT_EQ(max_abs_diff(x, x_before), 0.0);
  EXPECT_EQ(max_abs_diff(w, w_before), 0.0);
}

// Attention in its TF32 mode is nn.MultiheadAttention's unfused path: bmm(round(q·scale),
// round(k)ᵀ), softmax, bmm(round(p), round(v)); the optimised kernel defers to the reference.
TEST(Tf32Kernels, AttentionEmulatesTheUnfusedPath) {
  const Tensor q = random_tensor({1, 2, 5, 8}, 11), k = random_tensor({1, 2, 7, 8}, 12), v = random_tensor({1, 2, 7, 8}, 13);
  const float scale = 0.35355339f;
  Tensor qs = q.clone();
  for (float& e : std::span<float>(qs.data<float>(), qs.numel())) e *= scale;
  const Tensor logits = cpu::ref::matmul(tf32_rounded(qs), tf32_rounded(k).transpose(2, 3));
  const Tensor want = cpu::ref::matmul(tf32_rounded(cpu::ref::softmax(logits, 3)), tf32_rounded(v));
  const Tensor exact = cpu::ref::attention(q, k, v, Tensor(), Tensor(), scale);
  ScopedNumerics numerics(P::kF32, P::kTf32Emulated);
  EXPECT_LE(rel_error(ops::attention(q, k, v, Tensor(), Tensor(), scale), want), 1e-6);
  EXPECT_LE(rel_error(cpu::ref::attention(q, k, v, Tensor(), Tensor(), scale), want), 1e-6);
  EXPECT_GT(rel_error(ops::attention(q, k, v, Tensor(), Tensor(), scale), exact), 1e-5);
}

// The rounding itself: 10 explicit mantissa bits, nearest, ties to even; specials pass.
TEST(Tf32Rounding, RoundsToNearestEven) {
  auto bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  EXPECT_EQ(round_tf32(1.0f), 1.0f);
  EXPECT_EQ(round_tf32(bits(0x3f800fffu)), 1.0f);                  // below half an ulp: down
  EXPECT_EQ(round_tf32(bits(0x3f801000u)), 1.0f);                  // tie, even below: down
  EXPECT_EQ(round_tf32(bits(0x3f803000u)), bits(0x3f804000u));     // tie, odd below: up
  EXPECT_EQ(round_tf32(bits(0x3f801001u)), bits(0x3f802000u));     // above half: up
  EXPECT_EQ(round_tf32(-bits(0x3f801001u)), -bits(0x3f802000u));   // symmetric
  EXPECT_EQ(round_tf32(bits(0x3fffffffu)), 2.0f);                  // carry into the exponent
  EXPECT_TRUE(std::isinf(round_tf32(std::numeric_limits<float>::infinity())));
  EXPECT_TRUE(std::isnan(round_tf32(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(round_tf32(0.f), 0.f);
}

}  // namespace
}  // namespace sam3rt::test
