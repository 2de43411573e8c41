// Interactive segmentation on a CUDA device: every click case, every recorded tensor of its
// float32 reference, with the same bars as the CPU (tests/parity/test-interactive.cpp).
#include "common/tracker-fixtures.h"
#include "cuda/cuda-test-util.h"

namespace sam3rt::test {
namespace {

class CudaInteractive : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaInteractive, EveryTensorMatchesTheFloat32Reference) {
  SAM3RT_REQUIRE_CUDA();
  const FixtureCase c = load_tracker_case(GetParam());
  pipeline::ImageSession& session = tiny_tracker_session(gpu());
  EXPECT_GE(expect_click_dump_matches_case(c, run_click_case_with_dump(session, c), "cuda-click"), 20);
}

INSTANTIATE_TEST_SUITE_P(AllCases, CudaInteractive, ::testing::ValuesIn(tracker_case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
