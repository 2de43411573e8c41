// The SAM 2-style video tracker against the official Sam3TrackerPredictor in float32
// (tests/data/sam3-tiny-video): per operation and frame, the memory bank's size and object
// pointers, the memory-attention output, the SAM heads' outputs, object scores, memories, low-res
// logits and the final masks at video resolution.
#include <gtest/gtest.h>

#include "common/video-fixtures.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

class VideoTrackerFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(VideoTrackerFixture, EveryTensorMatchesTheFloat32Reference) {
  const VideoSessionRun run = run_video_session(GetParam(), Device::cpu());
  EXPECT_LE(expect_video_session_matches(run, kF32Tolerance, "video " + GetParam()), kF32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(AllSessions, VideoTrackerFixture, ::testing::ValuesIn(video_session_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
