// Concept tracking in video (pipeline/concept-video.h) against the official float32 run of
// Sam3VideoPredictor on the tiny model (tests/data/sam3-tiny-concept-video): the same object ids on
// every emitted frame, scores within 1e-4, masks equal on ≥ 99.9% of pixels, and the same
// decisions frame by frame (detections kept, associations, new objects, hotstart removals).
#include <gtest/gtest.h>

#include "common/concept-video-fixtures.h"

using namespace sam3rt;

class ConceptVideoParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ConceptVideoParity, MatchesTheOfficialRun) {
  const test::ConceptParityReport r = test::run_concept_video_session(GetParam(), Device::cpu());
  EXPECT_GT(r.frames_compared, 0);
}

// Keeping every tracker output (the official code's way) gives the same results.
TEST_P(ConceptVideoParity, MatchesWithEverythingKept) {
  const test::ConceptParityReport r = test::run_concept_video_session(GetParam(), Device::cpu(), false);
  EXPECT_GT(r.frames_compared, 0);
}

INSTANTIATE_TEST_SUITE_P(Sessions, ConceptVideoParity,
                         ::testing::ValuesIn(test::concept_video_session_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ConceptVideoParity);
