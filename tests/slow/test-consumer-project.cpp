// The library is usable from another CMake project: install this build to a temporary prefix,
// configure examples/ as a stand-alone project with find_package(sam3rt), build it and run the C
// example on the tiny model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/test-util.h"

using namespace sam3rt;
namespace fs = std::filesystem;

TEST(ConsumerProject, FindPackageAfterInstall) {
  const fs::path build_dir = fs::path(test::cli_path()).parent_path();
  const fs::path source_dir = fs::path(test::data_dir()).parent_path().parent_path();
  const fs::path tmp = fs::temp_directory_path() / ("sam3rt-consumer-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  std::string out;
  ASSERT_EQ(test::run_command(
                "cmake --install " + build_dir.string() + " --prefix " + (tmp / "prefix").string(), &out),
            0)
      << out;
  EXPECT_TRUE(fs::exists(tmp / "prefix/include/sam3rt/sam3rt.h"));
  ASSERT_EQ(test::run_command(
                "cmake -S " + (source_dir / "examples").string() + " -B " + (tmp / "build").string() +
                    " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + (tmp / "prefix").string(),
                &out),
            0)
      << out;
  ASSERT_EQ(test::run_command("cmake --build " + (tmp / "build").string() + " -j2", &out), 0) << out;
  const std::string tiny = test::data_dir() + "/sam3-tiny/";
  EXPECT_EQ(test::run_command((tmp / "build/segment-c").string() + " " + tiny + "model/sam3-tiny.pt " + tiny +
                                  "images/scene_96x64.png 'a person' " + tiny +
                                  "model/sam3-tiny.config.json " + tiny + "model/tiny-bpe.txt.gz",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("presence"), std::string::npos) << out;
  fs::remove_all(tmp);
}
