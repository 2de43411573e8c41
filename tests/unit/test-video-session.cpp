// pipeline::VideoSession and the C/C++ video API on the tiny video fixture (14 frames, 160×120):
// results equal pipeline::VideoTracker driven directly, "both" reports every frame once, and bad
// prompts or sources are one-line kInvalidArgument / status errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/temp-dir.h"
#include "common/test-util.h"
#include "common/video-fixtures.h"
#include "core/error.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "model/sam3-image.h"
#include "pipeline/preprocess.h"
#include "pipeline/video-session.h"
#include "sam3rt/sam3rt.hpp"

namespace sam3rt {
namespace {

using pipeline::PropagateDirection;
using pipeline::VideoFrameResult;

std::string model_path() { return test::tiny_video_dir() + "/model/sam3-tiny-video.pt"; }
std::string config_path() { return test::tiny_video_dir() + "/model/sam3-tiny-video.config.json"; }
std::string tokenizer_path() { return test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz"; }
std::string frames_dir() { return test::tiny_video_dir() + "/frames"; }

std::shared_ptr<const Sam3ImageModel> tiny_model() {
  static std::shared_ptr<const Sam3ImageModel> model = [] {
    LoadOptions options;
    options.config_path = config_path();
    options.tokenizer_path = tokenizer_path();
    auto loaded = std::make_shared<const LoadedModel>(load_model(model_path(), options));
    return std::make_shared<const Sam3ImageModel>(loaded, Device::cpu());
  }();
  return model;
}

std::unique_ptr<pipeline::VideoSession> open_session() {
  return std::make_unique<pipeline::VideoSession>(tiny_model(), io::open_frame_source(frames_dir()));
}

// Two objects on frame 0 (a click, a box), tracked forward: the reference, through VideoTracker.
std::vector<VideoFrameResult> tracker_forward() {
  const auto model = tiny_model();
  const Sam3Tracker tracker(model->config(), model->weights(), TrackerOptions{});
  auto provider = [&](int f) {
    char name[32];
    std::snprintf(name, sizeof name, "/%05d.png", f);
    const Tensor pixels =
        preprocess_image(decode_image_file(frames_dir() + name), model->config().image_size);
    return tracker.encode_frame(model->encode_image(pixels).trunk);
  };
  pipeline::VideoTracker video(tracker, provider, 14, 160, 120);
  video.add_points(0, 1, {{24.f, 48.f, 1}});
  video.add_points(0, 2, {}, std::array<float, 4>{102.f, 66.f, 138.f, 102.f});
  std::vector<VideoFrameResult> out;
  video.propagate(std::nullopt, std::nullopt, false,
                  [&](const pipeline::TrackedFrame& t) { out.push_back(pipeline::to_frame_result(t)); });
  return out;
}

const std::vector<VideoFrameResult>& reference() {
  static const std::vector<VideoFrameResult> r = tracker_forward();
  return r;
}

TEST(VideoSession, ForwardEqualsVideoTracker) {
  auto session = open_session();
  EXPECT_EQ(session->num_frames(), 14);
  EXPECT_EQ(session->info().width, 160);
  session->add_points(0, 1, {{24.f, 48.f, 1}});
  session->add_box(0, 2, {102.f, 66.f, 138.f, 102.f});
  std::vector<VideoFrameResult> ours;
  session->propagate(PropagateDirection::kForward, std::nullopt, std::nullopt,
                     [&](const VideoFrameResult& r) { ours.push_back(r); });
  const auto& ref = reference();
  ASSERT_EQ(ours.size(), ref.size());
  ASSERT_EQ(ours.size(), 14u);
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].frame, static_cast<int>(i));
    ASSERT_EQ(ours[i].objects.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      const auto& a = ours[i].objects[k];
      const auto& b = ref[i].objects[k];
      EXPECT_EQ(a.id, static_cast<int>(k) + 1);
      EXPECT_EQ(a.id, b.id);
      EXPECT_FLOAT_EQ(a.score, b.score);
      EXPECT_EQ(a.box_xyxy, b.box_xyxy);
      EXPECT_EQ(a.mask.counts, b.mask.counts) << "frame " << i << " object " << a.id;
      EXPECT_EQ(a.mask.height, 120);
      EXPECT_EQ(a.mask.width, 160);
    }
  }
  // Not a vacuous comparison: the tiny model's random weights still find the boxed object.
  EXPECT_GT(ours[0].objects[1].box_xyxy[2], 0.f);
}

TEST(VideoSession, BothReportsEveryFrameOnce) {
  auto session = open_session();
  session->add_points(5, 7, {{66.5f, 58.f, 1}});
  std::vector<int> order;
  session->propagate(PropagateDirection::kBoth, std::nullopt, std::nullopt,
                     [&](const VideoFrameResult& r) { order.push_back(r.frame); });
  // ref: Sam3VideoPredictor.propagate_in_video: forward from the start, then start−1 downwards
  const std::vector<int> expected = {5, 6, 7, 8, 9, 10, 11, 12, 13, 4, 3, 2, 1, 0};
  EXPECT_EQ(order, expected);

  // A limit counts frames after the start in each direction, as the official code does.
  session->reset();
  session->add_points(5, 7, {{66.5f, 58.f, 1}});
  order.clear();
  session->propagate(PropagateDirection::kBoth, std::nullopt, 2,
                     [&](const VideoFrameResult& r) { order.push_back(r.frame); });
  EXPECT_EQ(order, (std::vector<int>{5, 6, 7, 4, 3}));
}

TEST(VideoSession, BadPromptsAreInvalidArgument) {
  auto session = open_session();
  const auto expect_invalid = [](const std::function<void()>& fn, const std::string& words) {
    try {
      fn();
      ADD_FAILURE() << "no error; expected one mentioning " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_invalid(
      [&] { session->propagate(PropagateDirection::kForward, {}, {}, [](const VideoFrameResult&) {}); },
      "nothing to track");
  expect_invalid([&] { session->add_points(14, 1, {{10.f, 10.f, 1}}); }, "14");
  expect_invalid([&] { session->add_points(0, 1, {}); }, "no points");
  expect_invalid([&] { session->remove_object(3); }, "unknown object id 3");
  const uint8_t mask[4] = {1, 0, 0, 1};
  expect_invalid([&] { session->add_mask(-1, 1, mask, 2, 2); }, "-1");
  EXPECT_EQ(session->frames_encoded(), 0);
}

TEST(VideoSession, EmptyFolderIsInvalidArgument) {
  test::TempDir dir;
  try {
    io::open_frame_source(dir.path());
    ADD_FAILURE() << "an empty folder opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
  }
}

// ---- C and C++ API ---------------------------------------------------------------------

sam3rt_model* c_model() {
  static sam3rt_model* model = [] {
    static const std::string config = config_path(), tokenizer = tokenizer_path();
    sam3rt_model_params p = sam3rt_model_default_params();
    p.device = "cpu";
    p.config_path = config.c_str();
    p.tokenizer_path = tokenizer.c_str();
    sam3rt_model* m = nullptr;
    EXPECT_EQ(sam3rt_model_load(model_path().c_str(), &p, &m), SAM3RT_OK) << sam3rt_last_error();
    return m;
  }();
  return model;
}

TEST(VideoCApi, ForwardEqualsVideoTracker) {
  sam3rt_video_session* video = nullptr;
  ASSERT_EQ(sam3rt_video_session_open(c_model(), frames_dir().c_str(), nullptr, &video), SAM3RT_OK)
      << sam3rt_last_error();
  int w = 0, h = 0, n = 0;
  double fps = -1;
  ASSERT_EQ(sam3rt_video_session_info(video, &w, &h, &n, &fps), SAM3RT_OK);
  EXPECT_EQ(w, 160);
  EXPECT_EQ(h, 120);
  EXPECT_EQ(n, 14);
  const sam3rt_point click{24.f, 48.f, 1};
  ASSERT_EQ(sam3rt_video_session_add_points(video, 0, 1, &click, 1), SAM3RT_OK) << sam3rt_last_error();
  const float box[4] = {102.f, 66.f, 138.f, 102.f};
  ASSERT_EQ(sam3rt_video_session_add_box(video, 0, 2, box, nullptr, 0), SAM3RT_OK) << sam3rt_last_error();
  struct Seen {
    std::vector<int> frames;
    std::map<std::pair<int, int>, std::string> rle;
  } seen;
  auto cb = [](const sam3rt_video_frame* f, void* user) -> int {
    auto* s = static_cast<Seen*>(user);
    s->frames.push_back(f->frame);
    for (size_t i = 0; i < f->n_objects; ++i) s->rle[{f->frame, f->objects[i].id}] = f->objects[i].mask_rle;
    return 0;
  };
  ASSERT_EQ(sam3rt_video_session_propagate(video, SAM3RT_PROPAGATE_FORWARD, -1, -1, cb, &seen), SAM3RT_OK)
      << sam3rt_last_error();
  ASSERT_EQ(seen.frames.size(), 14u);
  for (const VideoFrameResult& r : reference())
    for (const auto& o : r.objects)
      EXPECT_EQ(seen.rle[std::make_pair(r.frame, o.id)], pipeline::rle_to_string(o.mask.counts))
          << r.frame << " " << o.id;

  // A callback that returns non-zero stops the propagation without an error.
  std::vector<int> frames;
  auto stop_after_two = [](const sam3rt_video_frame* f, void* user) -> int {
    auto* v = static_cast<std::vector<int>*>(user);
    v->push_back(f->frame);
    return v->size() >= 2 ? 1 : 0;
  };
  EXPECT_EQ(sam3rt_video_session_propagate(video, SAM3RT_PROPAGATE_BACKWARD, 3, -1, stop_after_two, &frames),
            SAM3RT_OK);
  EXPECT_EQ(frames, (std::vector<int>{3, 2}));

  EXPECT_EQ(sam3rt_video_session_add_points(video, 14, 1, &click, 1), SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sam3rt_last_error()).find("frame 14"), std::string::npos) << sam3rt_last_error();
  EXPECT_EQ(sam3rt_video_session_remove_object(video, 9), SAM3RT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sam3rt_video_session_propagate(video, 7, -1, -1, cb, &seen), SAM3RT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(sam3rt_video_session_reset(video), SAM3RT_OK);
  EXPECT_EQ(sam3rt_video_session_propagate(video, SAM3RT_PROPAGATE_FORWARD, -1, -1, cb, &seen),
            SAM3RT_ERR_INVALID_ARGUMENT);
  sam3rt_video_session_close(video);

  EXPECT_EQ(sam3rt_video_session_open(c_model(), "/nonexistent/frames", nullptr, &video), SAM3RT_ERR_IO);
  EXPECT_EQ(video, nullptr);
  EXPECT_EQ(sam3rt_video_session_add_points(nullptr, 0, 1, &click, 1), SAM3RT_ERR_INVALID_ARGUMENT);
}

TEST(VideoCppApi, PropagateAndRethrow) {
  ModelOptions options;
  options.device = "cpu";
  options.config_path = config_path();
  options.tokenizer_path = tokenizer_path();
  const Model model = Model::load(model_path(), options);
  sam3rt::VideoSession video(model, frames_dir());
  EXPECT_EQ(video.frame_count(), 14);
  video.add_points(0, 1, {{24.f, 48.f, 1}});
  video.add_box(0, 2, {102.f, 66.f, 138.f, 102.f});
  std::vector<sam3rt::VideoFrame> frames;
  video.propagate(Direction::kForward, -1, 1, [&](const sam3rt::VideoFrame& f) { frames.push_back(f); });
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].objects[1].mask_rle, pipeline::rle_to_string(reference()[1].objects[1].mask.counts));
  EXPECT_THROW(video.propagate(Direction::kForward, -1, -1,
                               [](const sam3rt::VideoFrame&) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  EXPECT_THROW(video.add_points(20, 1, {{1.f, 1.f, 1}}), ApiError);
}

}  // namespace
}  // namespace sam3rt
