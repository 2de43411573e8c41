// The C and C++ examples (examples/, built with the project) run on the tiny model.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/test-util.h"

using namespace sam3rt;
namespace fs = std::filesystem;

namespace {
std::string example(const char* name) {
  return (fs::path(test::cli_path()).parent_path() / "examples" / name).string();
}
std::string tiny() { return test::data_dir() + "/sam3-tiny/"; }
}  // namespace

TEST(Examples, CProgramSegmentsWithTheTinyModel) {
  const std::string bin = example("segment-c");
  if (!test::file_exists(bin))
    GTEST_SKIP() << bin << " is not built (configure with SAM3RT_BUILD_EXAMPLES=ON)";
  std::string out;
  int rc = test::run_command(bin + " " + tiny() + "model/sam3-tiny.pt " + tiny() +
                                 "images/scene_96x64.png 'a person' " + tiny() +
                                 "model/sam3-tiny.config.json " + tiny() + "model/tiny-bpe.txt.gz",
                             &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("device "), std::string::npos) << out;  // cpu, or the GPU a CUDA build picks
  EXPECT_NE(out.find(", presence "), std::string::npos) << out;
  rc = test::run_command(bin + " /nonexistent.pt x.png cat", &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("error: model '/nonexistent.pt' does not exist"), std::string::npos) << out;
}

TEST(Examples, CppProgramSegmentsSeveralPromptsWithOneEncode) {
  const std::string bin = example("segment-cpp");
  if (!test::file_exists(bin))
    GTEST_SKIP() << bin << " is not built (configure with SAM3RT_BUILD_EXAMPLES=ON)";
  std::string out;
  int rc =
      test::run_command(bin + " " + tiny() + "model/sam3-tiny.pt " + tiny() +
                            "images/scene_96x64.png 'a person' dog" + " --config " + tiny() +
                            "model/sam3-tiny.config.json --tokenizer " + tiny() + "model/tiny-bpe.txt.gz",
                        &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"a person\":"), std::string::npos) << out;
  EXPECT_NE(out.find("\"dog\":"), std::string::npos) << out;
  EXPECT_NE(out.find("image encoder runs: 1"), std::string::npos) << out;
}

TEST(Examples, CppProgramTracksThroughTheVideo) {
  const std::string bin = example("track-cpp");
  if (!test::file_exists(bin))
    GTEST_SKIP() << bin << " is not built (configure with SAM3RT_BUILD_EXAMPLES=ON)";
  const std::string v = test::data_dir() + "/sam3-tiny-video/";
  std::string out;
  int rc = test::run_command(bin + " " + v + "model/sam3-tiny-video.pt " + v + "frames 5 66 58 --config " +
                                 v + "model/sam3-tiny-video.config.json --tokenizer " + tiny() +
                                 "model/tiny-bpe.txt.gz",
                             &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("frame 0: score"), std::string::npos) << out;
  EXPECT_NE(out.find("tracked 14 of 14 frames"), std::string::npos) << out;
}
