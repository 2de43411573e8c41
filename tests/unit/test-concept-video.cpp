// ConceptVideo end to end on the tiny video model (random weights) and the tracker fixtures'
// 14-frame clip: the session's rules that hold whatever the detector finds — every frame emitted
// once in processing order, hotstart's output lag, ids ascending and never reused, masks that do
// not overlap, prompts restarting the session, fetch/partial propagation, removal and errors.
#include <gtest/gtest.h>

#include <set>

#include "common/video-fixtures.h"
#include "core/error.h"
#include "io/image.h"
#include "model/sam3-image.h"
#include "model/sam3-tracker.h"
#include "pipeline/concept-video.h"
#include "pipeline/preprocess.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;
using pipeline::ConceptFrame;
using pipeline::ConceptVideo;
using pipeline::PropagationType;

namespace {

constexpr int kFrames = 6;  // of the 14: enough for hotstart with a short delay, fast

struct Fixture {
  std::shared_ptr<const Sam3ImageModel> model = test::tiny_video_model(Device::cpu());
  Sam3Tracker tracker{model->config(), model->weights()};
  ClipTokenizer tokenizer{model->loaded().bpe_merges, model->config().bpe_merges};
  int width = 0, height = 0;
  int pixel_calls = 0;

  std::unique_ptr<ConceptVideo> make(const pipeline::ConceptVideoOptions& options) {
    const Image first = decode_image_file(test::tiny_video_frame_path(0));
    width = first.width;
    height = first.height;
    auto pixels = [this](int f) {
      ++pixel_calls;
      return preprocess_image(decode_image_file(test::tiny_video_frame_path(f)), model->config().image_size);
    };
    auto text = [this](const std::string& t) {
      const int context = model->config().text_context;
      return model->encode_text(Tensor::from_vector_i32({1, context}, tokenizer.encode(t, context)));
    };
    return std::make_unique<ConceptVideo>(*model, tracker, pixels, text, kFrames, width, height, options);
  }
};

// Random weights score every query near the same value: thresholds low enough that the detector
// finds objects (the fixtures lower them the same way).
pipeline::ConceptVideoOptions permissive() {
  pipeline::ConceptVideoOptions o;
  o.score_threshold_detection = 0.0f;
  o.new_det_thresh = 0.0f;
  o.hotstart_delay = 3;
  o.hotstart_unmatch_thresh = 2;
  o.hotstart_dup_thresh = 2;
  o.recondition_every_nth_frame = 2;
  o.fill_hole_area = 0;    // the random masks are speckled: hole filling would erase them
  o.det_nms_thresh = 0.f;  // and overlap: NMS would keep one
  return o;
}

void expect_well_formed(const ConceptFrame& f, int width, int height) {
  std::vector<uint8_t> owner(static_cast<size_t>(width) * height, 0);
  int prev = -1;
  for (const auto& o : f.objects) {
    EXPECT_GT(o.id, prev) << "ids ascending";
    prev = o.id;
    const std::vector<uint8_t> m = pipeline::rle_decode(o.mask);
    ASSERT_EQ(m.size(), owner.size());
    for (size_t p = 0; p < m.size(); ++p)
      if (m[p]) {
        EXPECT_EQ(owner[p]++, 0) << "frame " << f.frame << ": objects overlap at pixel " << p;
      }
    for (float v : o.box_xywh) EXPECT_TRUE(v >= 0.f && v <= 1.f);
  }
}

}  // namespace

TEST(ConceptVideo, TextPromptTracksThroughTheClipBothWays) {
  Fixture fx;
  auto video = fx.make(permissive());
  const ConceptFrame first = video->add_prompt(2, std::string("a shape"), std::nullopt);
  EXPECT_EQ(first.frame, 2);
  EXPECT_FALSE(first.objects.empty()) << "the permissive thresholds find objects on the prompted frame";
  expect_well_formed(first, fx.width, fx.height);
  std::vector<int> order;
  std::set<int> ids_seen;
  auto on = [&](const ConceptFrame& f) {
    order.push_back(f.frame);
    expect_well_formed(f, fx.width, fx.height);
    for (const auto& o : f.objects) ids_seen.insert(o.id);
  };
  EXPECT_EQ(video->propagate(std::nullopt, std::nullopt, false, on), PropagationType::kFull);
  EXPECT_EQ(video->propagate(std::nullopt, std::nullopt, true, on), PropagationType::kFull);
  EXPECT_EQ(order, (std::vector<int>{2, 3, 4, 5, 1, 0}));
  EXPECT_FALSE(ids_seen.empty());
  // a third propagation replays the cache
  std::vector<ConceptFrame> fetched;
  EXPECT_EQ(video->propagate(0, std::nullopt, false, [&](const ConceptFrame& f) { fetched.push_back(f); }),
            PropagationType::kFetch);
  EXPECT_EQ(fetched.size(), static_cast<size_t>(kFrames));
}

TEST(ConceptVideo, HotstartDelaysEmissionUntilTheBufferFills) {
  Fixture fx;
  pipeline::ConceptVideoOptions o = permissive();
  o.hotstart_delay = 4;
  auto video = fx.make(o);
  video->add_prompt(0, std::string("a shape"), std::nullopt);
  std::vector<int> processed_before_emit;
  std::vector<pipeline::ConceptFrameTrace> trace;
  video->set_trace(&trace);
  video->propagate(0, std::nullopt, false,
                   [&](const ConceptFrame&) { processed_before_emit.push_back(trace.back().frame); });
  // frame k is emitted after processing frame k + 3; the rest at the end (frame 5)
  EXPECT_EQ(processed_before_emit, (std::vector<int>{3, 4, 5, 5, 5, 5}));
}

TEST(ConceptVideo, PromptThatMatchesNothingGivesEmptyFrames) {
  Fixture fx;
  pipeline::ConceptVideoOptions o;
  o.score_threshold_detection = 1.0f;  // no probability exceeds 1
  auto video = fx.make(o);
  EXPECT_TRUE(video->add_prompt(0, std::string("nothing"), std::nullopt).objects.empty());
  int frames = 0;
  video->propagate(std::nullopt, 3, false, [&](const ConceptFrame& f) {
    ++frames;
    EXPECT_TRUE(f.objects.empty());
  });
  EXPECT_EQ(frames, 4);  // start 0 and 3 more
  EXPECT_TRUE(video->object_ids().empty());
  EXPECT_EQ(video->tracker_states(), 0u);
}

TEST(ConceptVideo, ClicksRefineAndAddObjectsThenPartialPropagation) {
  Fixture fx;
  auto video = fx.make(permissive());
  video->add_prompt(0, std::string("a shape"), std::nullopt);
  video->propagate(0, std::nullopt, false, [](const ConceptFrame&) {});
  ASSERT_FALSE(video->object_ids().empty());
  const int existing = video->object_ids().front();
  const size_t states = video->tracker_states();
  const ConceptFrame refined = video->add_points(1, existing, {{{0.3f, 0.4f}}}, {1});
  EXPECT_EQ(refined.frame, 1);
  const int new_id = 1000;
  const ConceptFrame added = video->add_points(1, new_id, {{{0.7f, 0.7f}}, {{0.1f, 0.1f}}}, {1, 0});
  for (const auto& o : added.objects) {
    if (o.id == new_id) {
      EXPECT_FLOAT_EQ(o.score, 1.f);  // clicked objects score 1 (shown when not empty)
    }
  }
  EXPECT_EQ(video->object_ids().back(), new_id);
  EXPECT_EQ(video->tracker_states(), states + 1) << "a clicked new object gets its own tracker state";
  std::vector<int> frames;
  EXPECT_EQ(
      video->propagate(1, std::nullopt, false, [&](const ConceptFrame& f) { frames.push_back(f.frame); }),
      PropagationType::kPartial);
  EXPECT_EQ(frames, (std::vector<int>{1, 2, 3, 4, 5}));
  // the backward half of "both" is partial too, then everything is fetched
  EXPECT_EQ(video->propagate(1, std::nullopt, true, [](const ConceptFrame&) {}), PropagationType::kPartial);
  EXPECT_EQ(video->propagate(1, std::nullopt, false, [](const ConceptFrame&) {}), PropagationType::kFetch);

  video->remove_object(new_id);
  EXPECT_EQ(std::count(video->object_ids().begin(), video->object_ids().end(), new_id), 0);
  video->propagate(0, std::nullopt, false, [&](const ConceptFrame& f) {
    for (const auto& o : f.objects) EXPECT_NE(o.id, new_id);
  });
  EXPECT_THROW(video->remove_object(new_id), Error);
}

TEST(ConceptVideo, SemanticPromptRestartsAndBadPromptsAreRefused) {
  Fixture fx;
  auto video = fx.make(permissive());
  video->add_prompt(0, std::string("a shape"), std::nullopt);
  video->propagate(0, std::nullopt, false, [](const ConceptFrame&) {});
  const ConceptFrame boxed =
      video->add_prompt(3, std::string("a shape"), pipeline::ConceptBox{{0.1f, 0.1f, 0.3f, 0.3f}, true});
  // the new prompt restarted the session: ids start from 0 again, only frame 3 has outputs
  (void)boxed;
  if (!video->object_ids().empty()) {
    EXPECT_EQ(video->object_ids().front(), 0);
  }
  std::vector<int> frames;
  video->propagate(std::nullopt, std::nullopt, true,
                   [&](const ConceptFrame& f) { frames.push_back(f.frame); });
  EXPECT_EQ(frames, (std::vector<int>{2, 1, 0}));
  EXPECT_THROW(video->add_prompt(kFrames, std::string("x"), std::nullopt), Error);
  EXPECT_THROW(video->add_prompt(0, std::nullopt, std::nullopt), Error);
  EXPECT_THROW(video->add_prompt(0, std::nullopt, pipeline::ConceptBox{{0.5f, 0.5f, 1.2f, 0.1f}, true}),
               Error);
  EXPECT_THROW(video->add_points(0, 1, {{{0.5f, 0.5f}}}, {1, 0}), Error);
  video->reset();
  EXPECT_THROW(video->propagate(std::nullopt, std::nullopt, false, [](const ConceptFrame&) {}), Error);
}

TEST(ConceptVideo, OneBackbonePassPerFrame) {
  Fixture fx;
  auto video = fx.make(permissive());
  video->add_prompt(0, std::string("a shape"), std::nullopt);
  EXPECT_EQ(fx.pixel_calls, 1);
  video->propagate(0, std::nullopt, false, [](const ConceptFrame&) {});
  // frame 0 came from the prompt's step, every other frame once
  EXPECT_EQ(fx.pixel_calls, kFrames);
}
