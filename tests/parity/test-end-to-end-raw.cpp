// Full image inference through Sam3ImageModel (backbone → text encoder → grounding) on every
// fixture case, from the case's own input.pixels and input.token_ids, compared with the official
// implementation's text.*, geometry_encoder.*, encoder.*, decoder.* and raw.* tensors.
#include <gtest/gtest.h>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "model/sam3-image.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

const Sam3ImageModel& tiny_image_model() {
  static const Sam3ImageModel model(load_tiny_model());
  return model;
}

class EndToEndRaw : public ::testing::TestWithParam<std::string> {};

TEST_P(EndToEndRaw, MatchesReference) {
  const FixtureCase c = load_case(GetParam());
  if (!c.has("input.token_ids")) GTEST_SKIP() << "case " << c.name << " has no input.token_ids";
  const Sam3ImageModel& model = tiny_image_model();
  const Sam3Config& cfg = model.config();
  TensorDump dump;
  const BackboneFeatures image = model.encode_image(c.get("input.pixels"), &dump);
  const TextFeatures text = model.encode_text(c.get("input.token_ids"), &dump);
  const GroundingOutput out = model.ground(image, text, case_boxes(c), &dump);

  std::vector<std::string> names = {"text.language_features", "geometry_encoder.0"};
  for (int i = 0; i < cfg.encoder_layers; ++i) names.push_back("encoder.layers." + std::to_string(i));
  for (int i = 0; i < cfg.decoder_layers; ++i) {
    names.push_back("decoder.layers." + std::to_string(i) + ".0");
    names.push_back("decoder.layers." + std::to_string(i) + ".1");
  }
  for (const char* n : {"raw.pred_logits", "raw.pred_boxes", "raw.pred_boxes_xyxy", "raw.presence_logit_dec",
                        "raw.pred_masks", "raw.semantic_seg"})
    names.push_back(n);
  for (const std::string& name : names) {
    ASSERT_TRUE(dump.count(name)) << "model did not dump " << name;
    const double rel = expect_close(c.name + ":" + name, dump.at(name), c.get(name), kF32Tolerance);
    std::printf("[e2e] %-16s %-28s rel %.3g\n", c.name.c_str(), name.c_str(), rel);
  }
  EXPECT_EQ(max_abs_diff(dump.at("text.language_mask"), c.get("text.language_mask")), 0.0);
  EXPECT_EQ(max_abs_diff(dump.at("geometry_encoder.1"), c.get("geometry_encoder.1")), 0.0);
  expect_close(c.name + ":returned pred_boxes", out.pred_boxes, c.get("raw.pred_boxes"), kF32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(AllCases, EndToEndRaw, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
