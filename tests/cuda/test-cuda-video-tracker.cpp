// The video tracker on a CUDA device: every session of tests/data/sam3-tiny-video, every recorded
// tensor of its float32 reference, with the same bars as the CPU (tests/parity/test-video-tracker.cpp).
#include "common/video-fixtures.h"
#include "cuda/cuda-test-util.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

class CudaVideoTracker : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaVideoTracker, EveryTensorMatchesTheFloat32Reference) {
  SAM3RT_REQUIRE_CUDA();
  const VideoSessionRun run = run_video_session(GetParam(), gpu());
  EXPECT_LE(expect_video_session_matches(run, kF32Tolerance, "cuda-video " + GetParam()), kF32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(AllSessions, CudaVideoTracker, ::testing::ValuesIn(video_session_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
