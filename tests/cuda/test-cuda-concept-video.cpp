// Concept tracking in video on a CUDA device: every session of tests/data/sam3-tiny-concept-video
// with the same bars as the CPU (tests/parity/test-concept-video.cpp): the same object ids on every
// frame, scores within 1e-4, masks equal on ≥ 99.9% of pixels, the same per-frame decisions.
#include "common/concept-video-fixtures.h"
#include "cuda/cuda-test-util.h"

namespace sam3rt::test {
namespace {

class CudaConceptVideo : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaConceptVideo, MatchesTheOfficialRun) {
  SAM3RT_REQUIRE_CUDA();
  const ConceptParityReport r = run_concept_video_session(GetParam(), gpu());
  EXPECT_GT(r.frames_compared, 0);
}

INSTANTIATE_TEST_SUITE_P(AllSessions, CudaConceptVideo, ::testing::ValuesIn(concept_video_session_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CudaConceptVideo);

}  // namespace
}  // namespace sam3rt::test
