// Bounded memory of the video tracker (VideoTracker::set_bounded_memory): on a video longer than
// the memory window, a forward-then-backward propagation gives bit-identical masks, scores and
// logits with and without dropping outputs, while the number of frames held stays bounded.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/video-fixtures.h"
#include "io/image.h"
#include "model/sam3-tracker.h"
#include "pipeline/preprocess.h"
#include "pipeline/video-tracker.h"

namespace sam3rt::test {
namespace {

struct Run {
  std::vector<int> frames;
  std::vector<std::vector<float>> low_res, scores, video;
  size_t max_held = 0, held_at_end = 0;
};

// A 22-frame video made of the fixture's 14 frames played back and forth; two objects, prompts on
// frames 9 and 14; forward from 9, then backward from 8 (the "both" direction). The tracker keeps
// at most 6 object pointers here (max_obj_ptrs, not a weight), so that its memory window (W = 6
// frames) is much shorter than the video and a short video exercises the dropping.
Run track(bool bounded, bool selection) {
  const auto model = tiny_video_model(Device::cpu());
  TrackerOptions options;
  options.use_memory_selection = selection;
  Sam3Config config = model->config();
  config.max_obj_ptrs = 6;
  const Sam3Tracker tracker(config, model->weights(), options);
  const int S = config.image_size, n = 22;
  auto provider = [&](int f) {
    const int period = 2 * 13, k = f % period, src = k <= 13 ? k : period - k;
    const Tensor pixels = preprocess_image(decode_image_file(tiny_video_frame_path(src)), S);
    return tracker.encode_frame(model->encode_image(pixels).trunk);
  };
  pipeline::VideoTracker video(tracker, provider, n, 160, 120);
  video.set_bounded_memory(bounded);
  video.add_points(9, 1, {{60.f, 50.f, 1}});
  video.add_points(9, 2, {}, std::array<float, 4>{90.f, 60.f, 130.f, 100.f});
  video.add_points(14, 1, {{70.f, 45.f, 1}, {76.f, 100.f, 0}});
  Run r;
  auto record = [&](const pipeline::TrackedFrame& t) {
    r.frames.push_back(t.frame);
    r.low_res.push_back(t.low_res_masks.to_vector());
    r.scores.push_back(t.object_score_logits.to_vector());
    r.video.push_back(t.video_res_masks.to_vector());
    r.max_held = std::max(r.max_held, video.stored_non_cond_frames());
  };
  video.propagate(9, std::nullopt, false, record, true);
  video.propagate(8, std::nullopt, true, record);
  r.held_at_end = video.stored_non_cond_frames();
  return r;
}

void expect_same_and_bounded(bool selection) {
  const Run all = track(false, selection), bounded = track(true, selection);
  ASSERT_EQ(all.frames, bounded.frames);
  EXPECT_EQ(all.frames.size(), 22u);
  for (size_t i = 0; i < all.frames.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(all.frames[i]));
    EXPECT_EQ(all.low_res[i], bounded.low_res[i]);
    EXPECT_EQ(all.scores[i], bounded.scores[i]);
    EXPECT_EQ(all.video[i], bounded.video[i]);
  }
  // Everything kept: every tracked non-prompted frame. Bounded: the window behind the pass, the
  // selectable frames and the next pass's window — well under the video's length.
  EXPECT_EQ(all.held_at_end, 20u);
  const size_t window = 6;  // max(num_maskmem 7, max_obj_ptrs 6) − 1
  EXPECT_LE(bounded.max_held, 3 * window + 3) << "frames held at most";
  EXPECT_LT(bounded.held_at_end, all.held_at_end);
  std::printf("[video-memory] selection %d: frames held at most %zu (everything kept: %zu)\n", selection,
              bounded.max_held, all.held_at_end);
}

TEST(VideoTrackerMemory, BoundedMemoryChangesNoOutputWithMemorySelection) { expect_same_and_bounded(true); }
TEST(VideoTrackerMemory, BoundedMemoryChangesNoOutputWithoutMemorySelection) {
  expect_same_and_bounded(false);
}

}  // namespace
}  // namespace sam3rt::test
