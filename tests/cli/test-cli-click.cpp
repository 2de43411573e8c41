// `sam3rt click` end to end on the tiny model with tracker weights: the JSON's candidates against
// the official predict_inst reference (IoU within 1e-5, RLE masks equal on >= 99.9% of pixels),
// refinement through the written low-res logits, and every bad input (exit code, one line).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/temp-dir.h"
#include "common/test-util.h"
#include "io/safetensors.h"
#include "pipeline/rle.h"

using namespace sam3rt;
namespace fs = std::filesystem;

namespace {

std::string tracker_dir() { return test::data_dir() + "/sam3-tiny-tracker/"; }
std::string model_args() {
  return " --model " + tracker_dir() + "model/sam3-tiny-tracker.pt --config " + tracker_dir() +
         "model/sam3-tiny-tracker.config.json --tokenizer " + test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
}
std::string image_320() { return " --image " + test::data_dir() + "/sam3-tiny/images/scene_320x180.png"; }

struct ClickRun {
  int code;
  std::string out;
};
ClickRun click(const std::string& args) {
  ClickRun r;
  r.code = test::run_command(test::cli_path() + " click --quiet --device cpu" + args + " 2>&1", &r.out);
  return r;
}

TEST(CliClick, CandidatesMatchTheOfficialPredictor) {
  // click_one: one positive click at (200, 90), multimask (the default for one click)
  ClickRun r = click(model_args() + image_320() + " --point 200,90 --json -");
  ASSERT_EQ(r.code, 0) << r.out;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  const auto ref = load_safetensors(tracker_dir() + "cases/click_one.safetensors");
  const std::vector<float> iou = ref.at("out.iou_predictions").to_vector();
  const Tensor& masks = ref.at("out.masks");  // u8 [3, 180, 320]
  ASSERT_EQ(doc.at("candidates").size(), iou.size());
  EXPECT_TRUE(doc.at("prompt").at("multimask").get<bool>());
  for (size_t k = 0; k < iou.size(); ++k) {
    const auto& c = doc["candidates"][k];
    EXPECT_NEAR(c.at("iou").get<float>(), iou[k], 1e-5);
    pipeline::Rle rle{180, 320, pipeline::rle_from_string(c["mask"]["counts"].get<std::string>())};
    const std::vector<uint8_t> ours = pipeline::rle_decode(rle);
    const std::vector<float> theirs = masks.select(0, static_cast<int64_t>(k)).to_vector();
    int64_t same = 0;
    for (size_t i = 0; i < ours.size(); ++i) same += (ours[i] != 0) == (theirs[i] != 0);
    EXPECT_GE(static_cast<double>(same) / ours.size(), 0.999) << "candidate " << k;
  }
}

TEST(CliClick, OutWritesMasksOverlaysAndLogitsThatRefine) {
  test::TempDir dir;
  ClickRun r = click(model_args() + image_320() + " --point 200,90 --out " + dir.path());
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f : {"scene_320x180_c0.png", "scene_320x180_c2_overlay.png", "scene_320x180_low_res_logits.safetensors",
                        "result.json"})
    EXPECT_TRUE(fs::exists(dir.file(f))) << f;
  // refine_with_mask: the best candidate's logits fed back with a second, negative click
  ClickRun again = click(model_args() + image_320() + " --point 200,90 --point 100,50:neg --mask-input " +
                    dir.file("scene_320x180_low_res_logits.safetensors") + " --json -");
  ASSERT_EQ(again.code, 0) << again.out;
  const nlohmann::json doc = nlohmann::json::parse(again.out);
  const auto ref = load_safetensors(tracker_dir() + "cases/refine_with_mask.safetensors");
  ASSERT_EQ(doc.at("candidates").size(), 1u);
  EXPECT_NEAR(doc["candidates"][0]["iou"].get<float>(), ref.at("out.iou_predictions").to_vector()[0], 1e-5);
}

TEST(CliClick, BadInputIsAOneLineErrorWithTheRightExitCode) {
  struct Case {
    std::string args;
    int code;
    const char* says;
  };
  test::TempDir dir;
  {
    std::ofstream(dir.file("wrong.safetensors")) << "not a tensor file";
  }
  const std::string m = model_args() + image_320();
  const std::vector<Case> cases = {
      {m, 2, "at least one --point"},
      {m + " --point nan,3", 2, "not a finite number"},
      {m + " --point 3", 2, "expected 2 numbers"},
      {m + " --point 3,4:maybe", 2, "'neg' or 'pos'"},
      {m + " --box 10,10,5,20", 2, "x1 < x0"},
      {m + " --point 3,4 --multimask --single", 2, "exclude each other"},
      {m + " --mask-input " + dir.file("missing.safetensors"), 1, "does not exist"},
      {m + " --point 3,4 --mask-input " + tracker_dir() + "cases/click_one.safetensors", 2, "low_res_logits"},
      {" --model " + test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt --config " + test::data_dir() +
           "/sam3-tiny/model/sam3-tiny.config.json --tokenizer " + test::data_dir() +
           "/sam3-tiny/model/tiny-bpe.txt.gz" + image_320() + " --point 3,4",
       1, "no tracker weights"},
      {model_args() + " --image " + dir.file("none.png") + " --point 3,4", 1, "does not exist"},
  };
  for (const Case& c : cases) {
    ClickRun r = click(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.says), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;  // the error, maybe a usage hint
  }
}

}  // namespace
