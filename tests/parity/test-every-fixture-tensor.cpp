// Every fixture case end to end through ImageSession, as `sam3rt segment` runs it (decoded image
// file, text and pixel boxes, threshold 0), with every tensor of the case's reference file checked
// against our dump of the same name — the "done when" of the detector: float tensors within
// kF32Tolerance relative, out.scores within 1e-5 absolute, out.boxes_xyxy within 1e-3 pixels,
// out.masks equal on >= 99.9% of pixels. The reference is the official implementation in float32
// (tests/data/sam3-tiny-fp32).
#include <gtest/gtest.h>

#include "common/sam3-fixtures.h"
#include "pipeline/image-session.h"

namespace sam3rt::test {
namespace {

using pipeline::ImageSession;

class EveryFixtureTensor : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFixtureTensor, MatchesTheFloat32Reference) {
  const FixtureCase c = load_case(GetParam());
  ImageSession& session = tiny_session(Device::cpu());
  EXPECT_GE(expect_dump_matches_case(c, run_case_with_dump(session, c), "every"), 30)
      << "the reference file holds every named tensor";
}

INSTANTIATE_TEST_SUITE_P(AllCases, EveryFixtureTensor, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
