// ImageSession: box conversion and validation, the encode-once / prompt-many contract
// (backbone_runs, text cache). Every fixture case end to end through ImageSession:
// tests/parity/test-every-fixture-tensor.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test-util.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;
using namespace sam3rt::pipeline;
namespace fs = std::filesystem;

namespace {

std::string tiny() { return test::data_dir() + "/sam3-tiny/"; }

struct TinyModel {
  std::shared_ptr<const Sam3ImageModel> model;
  std::shared_ptr<const ClipTokenizer> tokenizer;
};

const TinyModel& tiny_model() {
  static TinyModel m = [] {
    LoadOptions o;
    o.config_path = tiny() + "model/sam3-tiny.config.json";
    o.tokenizer_path = tiny() + "model/tiny-bpe.txt.gz";
    auto loaded = std::make_shared<const LoadedModel>(load_model(tiny() + "model/sam3-tiny.pt", o));
    TinyModel t;
    t.model = std::make_shared<const Sam3ImageModel>(loaded);
    t.tokenizer = std::make_shared<const ClipTokenizer>(loaded->bpe_merges, loaded->config.bpe_merges);
    return t;
  }();
  return m;
}

}  // namespace

TEST(ImageSession, BoxesBecomeNormalisedCxCyWh) {
  BoxPrompt b = to_box_prompt({{20.f, 16.f, 60.f, 48.f}, false}, 80, 64);
  EXPECT_FLOAT_EQ(b.cx, 0.5f);
  EXPECT_FLOAT_EQ(b.cy, 0.5f);
  EXPECT_FLOAT_EQ(b.w, 0.5f);
  EXPECT_FLOAT_EQ(b.h, 0.5f);
  EXPECT_FALSE(b.positive);
  // Partly outside: passed on unchanged, as the reference does (box_edge's exemplar reaches 1.005).
  b = to_box_prompt({{191.f, 0.f, 201.f, 6.f}, true}, 200, 150);
  EXPECT_NEAR(b.cx, 0.98f, 1e-6);
  EXPECT_NEAR(b.w, 0.05f, 1e-6);
}

TEST(ImageSession, BadBoxesAreRefused) {
  EXPECT_THROW(to_box_prompt({{10.f, 0.f, 5.f, 10.f}, true}, 100, 100), Error);  // x1 < x0
  EXPECT_THROW(to_box_prompt({{0.f, 10.f, 5.f, 5.f}, true}, 100, 100), Error);   // y1 < y0
  EXPECT_THROW(to_box_prompt({{NAN, 0.f, 5.f, 5.f}, true}, 100, 100), Error);
  EXPECT_THROW(to_box_prompt({{0.f, 0.f, INFINITY, 5.f}, true}, 100, 100), Error);
  EXPECT_THROW(to_box_prompt({{100.f, 0.f, 120.f, 5.f}, true}, 100, 100), Error);  // right of the image
  EXPECT_THROW(to_box_prompt({{-20.f, 0.f, 0.f, 5.f}, true}, 100, 100), Error);    // left of it
  EXPECT_THROW(to_box_prompt({{0.f, 200.f, 5.f, 300.f}, true}, 100, 100), Error);  // below it
  try {
    to_box_prompt({{100.f, 0.f, 120.f, 5.f}, true}, 100, 100);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("entirely outside"), std::string::npos) << e.what();
  }
}

TEST(ImageSession, SecondPromptCostsNoBackboneWork) {
  ImageSession s(tiny_model().model, tiny_model().tokenizer);
  EXPECT_THROW(s.predict(Prompt{.text = std::string("cat")}), Error) << "no image yet";
  s.set_image(decode_image_file(tiny() + "images/scene_96x64.png"));
  EXPECT_EQ(s.backbone_runs(), 1);
  Prompt p;
  p.text = "a person";
  Result a = s.predict(p);
  Result b = s.predict(p);
  p.text = "dog";
  Result c = s.predict(p);
  EXPECT_EQ(s.backbone_runs(), 1);
  EXPECT_EQ(s.text_runs(), 2) << "the repeated text is cached";
  ASSERT_EQ(a.instances.size(), b.instances.size());
  for (size_t i = 0; i < a.instances.size(); ++i) EXPECT_EQ(a.instances[i].score, b.instances[i].score);
  EXPECT_EQ(b.timings[0].first, "text");
  EXPECT_EQ(b.timings[0].second, 0.0);
  // Empty prompts are refused.
  EXPECT_THROW(s.predict(Prompt{}), Error);
  EXPECT_THROW(s.predict(Prompt{.text = std::string("")}), Error);
}
