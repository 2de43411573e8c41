// Parity of everything after the backbone and the text encoder (geometry encoder, prompt
// assembly, fusion encoder, decoder, scoring, segmentation head) with the official
// implementation on every fixture case. Inputs are the case's own backbone.* and text.*
// tensors, so this test isolates the grounding stages (spec §7–§11).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "model/grounding-head.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

const GroundingHead& tiny_grounding() {
  static const GroundingHead head(load_tiny_model()->config, load_tiny_model()->weights);
  return head;
}

BackboneFeatures fixture_backbone(const FixtureCase& c) {
  BackboneFeatures f;
  for (int i = 0; i < 3; ++i) {
    f.fpn.push_back(c.tensors.at("backbone.fpn." + std::to_string(i)));
    f.pos.push_back(c.tensors.at("backbone.pos." + std::to_string(i)));
  }
  return f;
}

TextFeatures fixture_text(const FixtureCase& c) {
  TextFeatures t;
  t.features = c.tensors.at("text.language_features");
  t.padding_mask = c.tensors.at("text.language_mask").to(DType::kU8);
  return t;
}

class GroundingParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GroundingParity, EveryIntermediateMatchesReference) {
  const FixtureCase c = load_case(GetParam());
  const Sam3Config& cfg = load_tiny_model()->config;
  TensorDump dump;
  const GroundingOutput out = tiny_grounding().forward(fixture_backbone(c), fixture_text(c), case_boxes(c), {}, &dump);
  for (const std::string& name : grounding_tensor_names(cfg)) {
    ASSERT_TRUE(c.tensors.count(name)) << "fixture " << c.name << " lacks " << name;
    ASSERT_TRUE(dump.count(name)) << "grounding did not dump " << name;
    expect_close(c.name + ":" + name, dump.at(name), c.get(name), kF32Tolerance);
    std::printf("[parity] %-16s %-32s rel %.3g  max|d| %.3g\n", c.name.c_str(), name.c_str(),
                rel_error(dump.at(name), c.tensors.at(name)), max_abs_diff(dump.at(name), c.tensors.at(name)));
  }
  EXPECT_EQ(max_abs_diff(dump.at("geometry_encoder.1"), c.get("geometry_encoder.1")), 0.0);  // the prompt mask
  // The returned struct holds the same tensors as the dump.
  EXPECT_EQ(max_abs_diff(out.pred_logits, dump.at("raw.pred_logits")), 0.0);
  EXPECT_EQ(out.pred_masks.shape(), c.tensors.at("raw.pred_masks").shape());
  EXPECT_EQ(out.presence_logit.shape(), Shape({1, 1}));
}

INSTANTIATE_TEST_SUITE_P(AllCases, GroundingParity, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Text-only prompts still carry exactly one geometry token (the CLS), spec §20.1.
TEST(Grounding, TextOnlyPromptHasOneGeometryToken) {
  const FixtureCase c = load_case("text_person");
  TensorDump dump;
  tiny_grounding().forward(fixture_backbone(c), fixture_text(c), {}, {}, &dump);
  EXPECT_EQ(dump.at("geometry_encoder.0").shape(), Shape({1, 1, load_tiny_model()->config.d_model}));
  EXPECT_EQ(dump.at("geometry_encoder.1").shape(), Shape({1, 1}));
}

// Points have no fixture (the official processor has no point API): check the sequence layout
// [points, boxes, CLS], that every token is finite, and that the label and the position matter.
TEST(Grounding, PointPromptsAreEncoded) {
  const FixtureCase c = load_case("text_person");
  const Sam3Config& cfg = load_tiny_model()->config;
  const BackboneFeatures bb = fixture_backbone(c);
  auto geo = [&](std::vector<PointPrompt> pts, std::vector<BoxPrompt> boxes) {
    TensorDump dump;
    tiny_grounding().forward(bb, fixture_text(c), boxes, pts, &dump);
    return dump;
  };
  const BoxPrompt box{0.5f, 0.5f, 0.3f, 0.2f, true};
  const TensorDump a = geo({{0.3f, 0.4f, true}, {0.7f, 0.2f, false}}, {box});
  const Tensor tok = a.at("geometry_encoder.0");
  ASSERT_EQ(tok.shape(), Shape({4, 1, cfg.d_model}));
  for (float v : tok.to_vector()) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(a.at("geometry_encoder.1").shape(), Shape({1, 4}));
  for (float v : a.at("raw.pred_logits").to_vector()) ASSERT_TRUE(std::isfinite(v));
  const TensorDump b = geo({{0.3f, 0.4f, false}, {0.7f, 0.2f, false}}, {box});
  EXPECT_GT(max_abs_diff(a.at("geometry_encoder.0"), b.at("geometry_encoder.0")), 1e-4);
  const TensorDump moved = geo({{0.6f, 0.4f, true}, {0.7f, 0.2f, false}}, {box});
  EXPECT_GT(max_abs_diff(a.at("geometry_encoder.0"), moved.at("geometry_encoder.0")), 1e-4);
}

// Hugging Face checkpoints have no point projections: such a model still answers text and box
// prompts identically, and a point prompt is a clear error.
TEST(Grounding, ModelWithoutPointWeights) {
  const Sam3Config& cfg = load_tiny_model()->config;
  WeightStore w = load_tiny_model()->weights;
  for (const char* n : {"points_direct_project", "points_pool_project", "points_pos_enc_project"}) {
    w.erase(std::string("detector.geometry_encoder.") + n + ".weight");
    w.erase(std::string("detector.geometry_encoder.") + n + ".bias");
  }
  const GroundingHead head(cfg, w);
  const FixtureCase c = load_case("text_and_box");
  const GroundingOutput a = head.forward(fixture_backbone(c), fixture_text(c), case_boxes(c));
  const GroundingOutput b = tiny_grounding().forward(fixture_backbone(c), fixture_text(c), case_boxes(c));
  EXPECT_EQ(max_abs_diff(a.pred_masks, b.pred_masks), 0.0);
  try {
    head.forward(fixture_backbone(c), fixture_text(c), {}, {{0.5f, 0.5f, true}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("points_"), std::string::npos) << e.what();
  }
}

TEST(Grounding, RejectsNonFiniteBox) {
  const FixtureCase c = load_case("text_person");
  BoxPrompt bad{0.5f, std::nanf(""), 0.1f, 0.1f, true};
  try {
    tiny_grounding().forward(fixture_backbone(c), fixture_text(c), {bad});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sam3rt::test
