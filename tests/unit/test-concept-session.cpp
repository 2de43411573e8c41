// The concept-tracking session through the C and C++ APIs (sam3rt_concept_session_*,
// sam3rt::ConceptSession) on the concept-video fixture's frames: the results equal
// pipeline::ConceptVideo driven directly, options are set by their official names, clicks and
// removal work through the API, a callback can stop a call, and bad calls are status errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/concept-video-fixtures.h"
#include "common/test-util.h"
#include "common/video-fixtures.h"
#include "io/image.h"
#include "model/sam3-image.h"
#include "model/sam3-tracker.h"
#include "pipeline/concept-session.h"
#include "pipeline/preprocess.h"
#include "sam3rt/sam3rt.hpp"
#include "text/clip-tokenizer.h"

namespace sam3rt {
namespace {

std::string frames_dir() { return test::concept_video_dir() + "/frames"; }

// The fixture session text_frame0's lowered thresholds (random weights detect little otherwise).
const std::vector<std::pair<std::string, double>> kOptions = {
    {"score_threshold_detection", 0.1885}, {"new_det_thresh", 0.1935}, {"assoc_iou_thresh", 0.00137}};

sam3rt_model* c_model() {
  static sam3rt_model* model = [] {
    const std::string config = test::tiny_video_dir() + "/model/sam3-tiny-video.config.json";
    const std::string tokenizer = test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
    sam3rt_model_params p = sam3rt_model_default_params();
    p.device = "cpu";
    p.config_path = config.c_str();
    p.tokenizer_path = tokenizer.c_str();
    sam3rt_model* m = nullptr;
    EXPECT_EQ(sam3rt_model_load((test::tiny_video_dir() + "/model/sam3-tiny-video.pt").c_str(), &p, &m),
              SAM3RT_OK)
        << sam3rt_last_error();
    return m;
  }();
  return model;
}

// frame → id → RLE string, through ConceptVideo directly (text "ball" on frame 0, both directions)
std::map<int, std::map<int, std::string>> reference() {
  const auto model = test::tiny_video_model(Device::cpu());
  const Sam3Tracker tracker(model->config(), model->weights());
  const ClipTokenizer tokenizer(model->loaded().bpe_merges, model->config().bpe_merges);
  pipeline::ConceptVideoOptions options;
  for (const auto& [k, v] : kOptions) pipeline::set_concept_option(options, k, v);
  auto pixels = [&](int f) {
    char name[32];
    std::snprintf(name, sizeof name, "/%05d.png", f);
    return preprocess_image(decode_image_file(frames_dir() + name), model->config().image_size);
  };
  auto text = [&](const std::string& t) {
    const int n = model->config().text_context;
    return model->encode_text(Tensor::from_vector_i32({1, n}, tokenizer.encode(t, n)));
  };
  pipeline::ConceptVideo video(*model, tracker, pixels, text, 20, 160, 120, options);
  video.add_prompt(0, std::string("ball"), std::nullopt);
  std::map<int, std::map<int, std::string>> out;
  auto keep = [&](const pipeline::ConceptFrame& f) {
    for (const auto& o : f.objects) out[f.frame][o.id] = pipeline::rle_to_string(o.mask.counts);
  };
  video.propagate(std::nullopt, std::nullopt, false, keep);
  return out;
}

bool have_frames() { return std::filesystem::is_directory(frames_dir()); }

TEST(ConceptCApi, ResultsEqualConceptVideoAndCallsAreChecked) {
  if (!have_frames()) GTEST_SKIP() << "no concept-video fixture";
  std::vector<sam3rt_concept_option> options;
  for (const auto& [k, v] : kOptions) options.push_back({k.c_str(), v});
  sam3rt_concept_session* cv = nullptr;
  ASSERT_EQ(sam3rt_concept_session_open(c_model(), frames_dir().c_str(), options.data(), options.size(), &cv),
            SAM3RT_OK)
      << sam3rt_last_error();
  int w = 0, h = 0, n = 0;
  ASSERT_EQ(sam3rt_concept_session_info(cv, &w, &h, &n, nullptr), SAM3RT_OK);
  EXPECT_EQ(w, 160);
  EXPECT_EQ(h, 120);
  EXPECT_EQ(n, 20);
  struct Seen {
    std::vector<int> frames;
    std::map<int, std::map<int, std::string>> rle;
  } seen;
  auto cb = [](const sam3rt_concept_frame* f, void* user) -> int {
    auto* s = static_cast<Seen*>(user);
    s->frames.push_back(f->frame);
    for (size_t i = 0; i < f->n_objects; ++i) s->rle[f->frame][f->objects[i].id] = f->objects[i].mask_rle;
    return 0;
  };
  Seen prompt;
  ASSERT_EQ(sam3rt_concept_session_add_prompt(cv, 0, "ball", nullptr, 1, cb, &prompt), SAM3RT_OK)
      << sam3rt_last_error();
  EXPECT_EQ(prompt.frames, std::vector<int>{0});
  ASSERT_EQ(sam3rt_concept_session_propagate(cv, SAM3RT_PROPAGATE_FORWARD, -1, -1, cb, &seen), SAM3RT_OK)
      << sam3rt_last_error();
  ASSERT_EQ(seen.frames.size(), 20u);
  EXPECT_EQ(seen.rle, reference());
  EXPECT_FALSE(seen.rle.empty());

  // clicks on a new object, then a partial propagation that stops after two frames
  const sam3rt_point click{80.f, 60.f, 1};
  Seen clicked;
  ASSERT_EQ(sam3rt_concept_session_add_points(cv, 5, 50, &click, 1, cb, &clicked), SAM3RT_OK)
      << sam3rt_last_error();
  EXPECT_EQ(clicked.frames, std::vector<int>{5});
  std::vector<int> frames;
  auto stop_after_two = [](const sam3rt_concept_frame* f, void* user) -> int {
    auto* v = static_cast<std::vector<int>*>(user);
    v->push_back(f->frame);
    return v->size() >= 2 ? 1 : 0;
  };
  EXPECT_EQ(sam3rt_concept_session_propagate(cv, SAM3RT_PROPAGATE_FORWARD, 5, -1, stop_after_two, &frames),
            SAM3RT_OK);
  EXPECT_EQ(frames, (std::vector<int>{5, 6}));
  EXPECT_EQ(sam3rt_concept_session_remove_object(cv, 50), SAM3RT_OK) << sam3rt_last_error();
  EXPECT_EQ(sam3rt_concept_session_remove_object(cv, 50), SAM3RT_ERR_INVALID_ARGUMENT);

  // bad calls
  EXPECT_EQ(sam3rt_concept_session_add_prompt(cv, 20, "ball", nullptr, 1, nullptr, nullptr),
            SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sam3rt_last_error()).find("frame 20"), std::string::npos) << sam3rt_last_error();
  EXPECT_EQ(sam3rt_concept_session_add_prompt(cv, 0, nullptr, nullptr, 1, nullptr, nullptr),
            SAM3RT_ERR_INVALID_ARGUMENT);
  const float inverted[4] = {50.f, 50.f, 10.f, 10.f};
  EXPECT_EQ(sam3rt_concept_session_add_prompt(cv, 0, "ball", inverted, 1, nullptr, nullptr),
            SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sam3rt_concept_session_propagate(cv, 7, -1, -1, cb, &seen), SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sam3rt_concept_session_add_points(cv, 0, 1, nullptr, 0, nullptr, nullptr),
            SAM3RT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(sam3rt_concept_session_reset(cv), SAM3RT_OK);
  EXPECT_EQ(sam3rt_concept_session_propagate(cv, SAM3RT_PROPAGATE_FORWARD, -1, -1, cb, &seen),
            SAM3RT_ERR_INVALID_ARGUMENT);
  sam3rt_concept_session_close(cv);

  const sam3rt_concept_option bad[] = {{"no_such_threshold", 1.0}};
  EXPECT_EQ(sam3rt_concept_session_open(c_model(), frames_dir().c_str(), bad, 1, &cv),
            SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(cv, nullptr);
  EXPECT_NE(std::string(sam3rt_last_error()).find("no_such_threshold"), std::string::npos);
  EXPECT_EQ(sam3rt_concept_session_open(c_model(), "/nonexistent/frames", nullptr, 0, &cv), SAM3RT_ERR_IO);
  EXPECT_EQ(sam3rt_concept_session_add_points(nullptr, 0, 1, &click, 1, nullptr, nullptr),
            SAM3RT_ERR_INVALID_ARGUMENT);
}

TEST(ConceptCppApi, PropagateAndRethrow) {
  if (!have_frames()) GTEST_SKIP() << "no concept-video fixture";
  ModelOptions options;
  options.device = "cpu";
  options.config_path = test::tiny_video_dir() + "/model/sam3-tiny-video.config.json";
  options.tokenizer_path = test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
  const Model model = Model::load(test::tiny_video_dir() + "/model/sam3-tiny-video.pt", options);
  ConceptOptions concept_options(kOptions.begin(), kOptions.end());
  concept_options.push_back({"hotstart_delay", 0});  // frames come out as they are computed
  sam3rt::ConceptSession cv(model, frames_dir(), concept_options);
  EXPECT_EQ(cv.frame_count(), 20);
  const sam3rt::ConceptFrame first = cv.add_prompt(0, std::string("ball"));
  EXPECT_EQ(first.frame, 0);
  std::vector<int> frames;
  cv.propagate(Direction::kBoth, -1, 3, [&](const sam3rt::ConceptFrame& f) { frames.push_back(f.frame); });
  EXPECT_EQ(frames, (std::vector<int>{0, 1, 2, 3}));  // backward from frame 0 has nothing to do
  EXPECT_THROW(cv.propagate(Direction::kForward, 0, -1,
                            [](const sam3rt::ConceptFrame&) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  EXPECT_THROW(cv.add_prompt(0, std::nullopt), ApiError);
  EXPECT_THROW(sam3rt::ConceptSession(model, frames_dir(), {{"hotstart_delay", 2.5}}), ApiError);
}

TEST(ConceptSessionPipeline, OneBackbonePassPerFrameAndFlatFeatureCache) {
  if (!have_frames()) GTEST_SKIP() << "no concept-video fixture";
  auto loaded = test::tiny_video_model(Device::cpu());
  auto tokenizer =
      std::make_shared<const ClipTokenizer>(loaded->loaded().bpe_merges, loaded->config().bpe_merges);
  pipeline::ConceptVideoOptions options;
  for (const auto& [k, v] : kOptions) pipeline::set_concept_option(options, k, v);
  pipeline::ConceptSession cv(loaded, tokenizer, io::open_frame_source(frames_dir()), options);
  cv.add_prompt(0, std::string("ball"), std::nullopt);
  int n = 0;
  cv.propagate(pipeline::PropagateDirection::kBoth, std::nullopt, std::nullopt,
               [&](const pipeline::ConceptFrame&) { ++n; });
  EXPECT_EQ(n, 20);
  EXPECT_EQ(cv.frames_encoded(), 20)
      << "each frame once through the backbone, the prompt frame's pass reused";
}

}  // namespace
}  // namespace sam3rt
