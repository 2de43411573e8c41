// ImageSession: box conversion and validation, the encode-once / prompt-many contract
// (backbone_runs, text cache), and every fixture case end to end on the tiny model against the
// reference's out.* tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test-util.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "io/safetensors.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;
using namespace sam3rt::pipeline;
namespace fs = std::filesystem;

namespace {

// End-to-end bounds against the fixtures' out.* tensors. Post-processing alone reproduces out.*
// from raw.* within 1e-5 (scores) and 1e-3 px (boxes) (test-postprocess.cpp). End to end, the
// model's outputs carry the fixtures' own rounding: the reference ran with TF32 matmuls and
// convolutions (the official model_builder enables TF32 on import; see tests/parity/
// test-backbone.cpp), which puts ~1e-4 relative noise on every stage. Measured over the nine cases
// (CPU, fp32): scores differ by at most 6.9e-5, normalised box coordinates by at most 1.3e-5
// (4e-3 px on the 320-pixel image), masks agree on >= 99.9% of pixels. Tighten to 1e-5 / 1e-3 px
// once the fixtures are regenerated with TF32 off.
constexpr double kScoreTol = 1e-4;
constexpr double kBoxTolNormalised = 3e-5;  // × the image's larger side, in pixels

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

// A case's boxes (normalised cxcywh) as pixel xyxy of the original image.
std::vector<PixelBox> pixel_boxes(const nlohmann::json& meta) {
  const float W = meta["original_size_wh"][0], H = meta["original_size_wh"][1];
  std::vector<PixelBox> out;
  for (const auto& b : meta["boxes"]) {
    const float cx = b[0][0], cy = b[0][1], w = b[0][2], h = b[0][3];
    out.push_back(
        {{(cx - 0.5f * w) * W, (cy - 0.5f * h) * H, (cx + 0.5f * w) * W, (cy + 0.5f * h) * H}, b[1]});
  }
  return out;
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
  EXPECT_THROW(s.predict(Prompt{std::string("cat")}), Error) << "no image yet";
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
  EXPECT_THROW(s.predict(Prompt{std::string("")}), Error);
}

TEST(ImageSession, EveryFixtureCaseMatchesTheReference) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tiny() + "cases"))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 9u);
  ImageSession s(tiny_model().model, tiny_model().tokenizer);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    nlohmann::json meta = nlohmann::json::parse(std::ifstream(tiny() + "cases/" + name + ".json"));
    auto ref = load_safetensors(tiny() + "cases/" + name + ".safetensors");
    const int W = meta["original_size_wh"][0], H = meta["original_size_wh"][1];
    s.set_image(decode_image_file(tiny() + std::string(meta["image"])));
    Prompt p;
    if (!meta["text"].is_null()) p.text = std::string(meta["text"]);
    p.boxes = pixel_boxes(meta);
    p.threshold = 0.f;
    Result r = s.predict(p);
    const std::vector<float> scores = ref.at("out.scores").to_vector();
    const std::vector<float> boxes = ref.at("out.boxes_xyxy").to_vector();
    const Tensor& masks = ref.at("out.masks");
    ASSERT_EQ(r.instances.size(), scores.size());
    for (const Instance& inst : r.instances) {
      const int q = inst.query;
      EXPECT_NEAR(inst.score, scores[q], kScoreTol) << "query " << q;
      for (int k = 0; k < 4; ++k)
        EXPECT_NEAR(inst.box_xyxy[k], boxes[q * 4 + k], kBoxTolNormalised * std::max(W, H)) << "query " << q;
      Tensor ref_mask = masks.select(0, q).select(0, 0).contiguous();
      int64_t agree = 0;
      for (int64_t i = 0; i < ref_mask.numel(); ++i)
        agree += (inst.mask.data<uint8_t>()[i] != 0) == (ref_mask.data<uint8_t>()[i] != 0);
      EXPECT_GE(static_cast<double>(agree) / ref_mask.numel(), 0.999) << "query " << q;
    }
  }
}
