// The whole image model on a CUDA device: every fixture case, every tensor of its float32
// reference file, with the same bars as the CPU (tests/parity/test-every-fixture-tensor.cpp);
// the CLI choosing the GPU by itself (and still running on the CPU when asked).
#include "common/sam3-fixtures.h"
#include "cuda/cuda-test-util.h"

namespace sam3rt::test {
namespace {

class CudaModel : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaModel, EveryFixtureTensorMatchesTheFloat32Reference) {
  SAM3RT_REQUIRE_CUDA();
  const FixtureCase c = load_case(GetParam());
  pipeline::ImageSession& session = tiny_session(gpu());
  EXPECT_GE(expect_dump_matches_case(c, run_case_with_dump(session, c), "cuda"), 30);
}

INSTANTIATE_TEST_SUITE_P(AllCases, CudaModel, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(CudaModelCli, AutoPicksTheGpuAndTheCpuStaysSelectable) {
  SAM3RT_REQUIRE_CUDA();
  const std::string m = tiny_dir() + "/model/";
  const std::string common = cli_path() + " segment --model " + m + "sam3-tiny.pt --config " + m +
                             "sam3-tiny.config.json --tokenizer " + m + "tiny-bpe.txt.gz --image " + tiny_dir() +
                             "/images/scene_320x180.png --text 'red car' --threshold 0 --quiet --json -";
  std::string gpu_out, cpu_out;
  ASSERT_EQ(run_command(common + " 2>/dev/null", &gpu_out), 0) << gpu_out;
  ASSERT_EQ(run_command(common + " --device cpu 2>/dev/null", &cpu_out), 0) << cpu_out;
  EXPECT_NE(gpu_out.find("\"device\": \"cuda:0\""), std::string::npos) << gpu_out.substr(0, 200);
  EXPECT_NE(cpu_out.find("\"device\": \"cpu\""), std::string::npos) << cpu_out.substr(0, 200);
}

}  // namespace
}  // namespace sam3rt::test
