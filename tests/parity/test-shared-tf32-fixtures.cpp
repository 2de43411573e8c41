// The shared fixtures (tests/data/sam3-tiny) were computed with TF32 matrix products
// (reference-precision.h). Our one float32 path is held to every named tensor and raw.* of every
// case at the TF32 bound (kTf32ReferenceTolerance), stage by stage (each stage from the fixture's
// own inputs, so a divergence names its stage) and end to end. The float32 reference
// (tests/data/sam3-tiny-fp32) holds the same path to the f32 bar in the other parity tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "model/grounding-head.h"
#include "model/sam3-image.h"
#include "model/text-encoder.h"
#include "model/vision-backbone.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

const LoadedModel& model() { return *load_tiny_model(); }

// Compares every name present in both and prints each error for the report; returns the count.
int compare_all(const std::string& stage, const FixtureCase& c, const TensorDump& dump,
                const std::vector<std::string>& names) {
  int checked = 0;
  for (const std::string& name : names) {
    if (!c.has(name)) continue;  // e.g. the text tensors of a case without text
    EXPECT_TRUE(dump.count(name)) << stage << " did not dump " << name;
    if (!dump.count(name)) continue;
    const double rel =
        expect_close(c.name + " " + stage + " " + name, dump.at(name), c.get(name), kTf32ReferenceTolerance);
    std::printf("[shared-tf32] %-9s %-16s %-32s rel %.3g\n", stage.c_str(), c.name.c_str(), name.c_str(),
                rel);
    ++checked;
  }
  return checked;
}

class SharedTf32Fixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedTf32Fixtures, Backbone) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  static const VisionBackbone backbone(model().config, model().weights);
  TensorDump dump;
  backbone.forward(c.get("input.pixels"), &dump);
  EXPECT_GT(compare_all("backbone", c, dump, backbone_tensor_names(model().config)), 0);
}

TEST_P(SharedTf32Fixtures, TextEncoder) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  if (!c.has("input.token_ids")) GTEST_SKIP() << "case " << c.name << " has no input.token_ids";
  static const TextEncoder encoder(model().config, model().weights);
  TensorDump dump;
  encoder.forward(c.get("input.token_ids"), &dump);
  EXPECT_EQ(compare_all("text", c, dump, {"text.language_features", "text.language_mask"}), 2);
}

// From the fixture's own backbone.* and text.* tensors.
TEST_P(SharedTf32Fixtures, Grounding) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
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
  TensorDump dump;
  head.forward(image, text, case_boxes(c), {}, &dump);
  EXPECT_GT(compare_all("grounding", c, dump, grounding_tensor_names(model().config)), 0);
}

// The whole chain from the case's pixels and token ids.
TEST_P(SharedTf32Fixtures, EndToEnd) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  const FixtureCase c = load_case(GetParam(), Reference::kSharedTf32);
  if (!c.has("input.token_ids")) GTEST_SKIP() << "case " << c.name << " has no input.token_ids";
  static const Sam3ImageModel image_model(load_tiny_model());
  TensorDump dump;
  const BackboneFeatures image = image_model.encode_image(c.get("input.pixels"), &dump);
  const TextFeatures text = image_model.encode_text(c.get("input.token_ids"), &dump);
  image_model.ground(image, text, case_boxes(c), &dump);
  std::vector<std::string> names = backbone_tensor_names(model().config);
  names.push_back("text.language_features");
  names.push_back("text.language_mask");
  for (const std::string& n : grounding_tensor_names(model().config)) names.push_back(n);
  EXPECT_GT(compare_all("e2e", c, dump, names), 0);
}

INSTANTIATE_TEST_SUITE_P(AllCases, SharedTf32Fixtures, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The shared fixtures really are TF32 (else the bound above should be the f32 bar): the neck and
// the text features of some case sit beyond 1e-4 from the float32 path, within the TF32 noise.
TEST(SharedTf32FixturesPrecision, NeckAndTextShowTf32Noise) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  static const VisionBackbone backbone(model().config, model().weights);
  static const TextEncoder encoder(model().config, model().weights);
  double worst = 0;
  for (const std::string& name : case_names()) {
    const FixtureCase c = load_case(name, Reference::kSharedTf32);
    TensorDump dump;
    backbone.forward(c.get("input.pixels"), &dump);
    if (c.has("input.token_ids")) encoder.forward(c.get("input.token_ids"), &dump);
    for (const auto& [n, t] : dump)
      if (n.rfind("backbone.fpn.", 0) == 0 || n == "text.language_features")
        worst = std::max(worst, rel_error(t, c.get(n)));
  }
  std::printf("[shared-tf32] neck + text worst relative error of the float32 path: %.3g\n", worst);
  EXPECT_GT(worst, kF32Tolerance);
  EXPECT_LE(worst, kTf32ReferenceTolerance);
}

}  // namespace
}  // namespace sam3rt::test
