// Interactive segmentation (clicks, boxes, mask refinement) against the official
// Sam3Image.predict_inst in float32 (tests/data/sam3-tiny-tracker): every recorded tensor — SAM2
// neck levels, conv_s0/conv_s1 features, image embedding, prompt encoder outputs, each two-way
// transformer layer, decoder outputs, upsampled logits, IoU predictions and masks.
#include <gtest/gtest.h>

#include "common/test-util.h"
#include "common/tracker-fixtures.h"
#include "io/image.h"
#include "pipeline/image-session.h"

namespace sam3rt::test {
namespace {

class InteractiveFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(InteractiveFixture, EveryTensorMatchesTheFloat32Reference) {
  const FixtureCase c = load_tracker_case(GetParam());
  pipeline::ImageSession& session = tiny_tracker_session(Device::cpu());
  EXPECT_GE(expect_click_dump_matches_case(c, run_click_case_with_dump(session, c), "click"), 20)
      << "the reference file holds every named tensor";
}

INSTANTIATE_TEST_SUITE_P(AllCases, InteractiveFixture, ::testing::ValuesIn(tracker_case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// One encoded image serves both tasks: a concept prompt and clicks reuse the backbone, and a
// second click reruns neither the backbone nor the tracker's neck.
TEST(InteractiveSession, ClicksAndConceptsShareOneEncodedImage) {
  const FixtureCase c = load_tracker_case("click_one");
  pipeline::ImageSession& session = tiny_tracker_session(Device::cpu());
  session.enable_dump(false);
  session.set_image(decode_image_file(data_dir() + "/" + c.meta.at("image").get<std::string>()));
  const int backbone = session.backbone_runs(), neck = session.tracker_feature_runs();
  pipeline::ClickResult first = session.click(case_click_prompt(c));
  pipeline::Prompt text;
  text.text = "dog";
  session.predict(text);
  pipeline::ClickPrompt again = case_click_prompt(c);
  again.mask_input = first.low_res_logits.select(0, 0);
  again.multimask = false;
  pipeline::ClickResult second = session.click(again);
  EXPECT_EQ(session.backbone_runs(), backbone);
  EXPECT_EQ(session.tracker_feature_runs(), neck + 1);
  EXPECT_EQ(second.iou.size(), 1u);
  EXPECT_EQ(second.masks.size(0), 1);
  // The first click's masks are the recorded ones (the session's caching changes nothing).
  const Tensor& ref = c.get("out.masks");
  EXPECT_EQ(first.masks.shape(), ref.shape());
}

}  // namespace
}  // namespace sam3rt::test
