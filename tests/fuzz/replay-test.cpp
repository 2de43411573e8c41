// The plain driver: replays every committed input of every fuzz target (regressions/<target>/,
// the crashes found so far, and corpus/<target>/, the seeds) through the same entry points the
// fuzzers run, without libFuzzer. One test per target and folder; label fuzz-regress.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz-target.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void replay(sam3rt::fuzz::TargetFn fn, const fs::path& dir, bool must_exist) {
  const std::vector<fs::path> inputs = files_in(dir);
  if (must_exist) ASSERT_FALSE(inputs.empty()) << dir << " holds no seed input";
  for (const fs::path& p : inputs) {
    SCOPED_TRACE(p.string());
    const std::vector<uint8_t> bytes = read_all(p);
    // A failing input aborts the process (fuzz-common.cpp): the trace above and stderr name it.
    fn(bytes.data(), bytes.size());
  }
}

class ReplayTest : public testing::Test {
 public:
  ReplayTest(sam3rt::fuzz::TargetFn fn, fs::path dir, bool must_exist)
      : fn_(fn), dir_(std::move(dir)), must_exist_(must_exist) {}
  void TestBody() override { replay(fn_, dir_, must_exist_); }

 private:
  sam3rt::fuzz::TargetFn fn_;
  fs::path dir_;
  bool must_exist_;
};

// Every folder of committed inputs must belong to a target (a renamed target would otherwise
// silently stop replaying its crashes).
TEST(FuzzRegress, EveryInputFolderHasATarget) {
  for (const char* kind : {"corpus", "regressions"}) {
    std::error_code ec;
    const fs::path root = fs::path(SAM3RT_FUZZ_DIR) / kind;
    if (!fs::is_directory(root, ec)) continue;
    for (const auto& e : fs::directory_iterator(root))
      if (e.is_directory())
        EXPECT_TRUE(sam3rt::fuzz::registry().count(e.path().filename().string()))
            << e.path() << " names no fuzz target";
  }
}

const bool registered = [] {
  for (const auto& [name, fn] : sam3rt::fuzz::registry()) {
    for (const char* kind : {"regressions", "corpus"}) {
      const fs::path dir = fs::path(SAM3RT_FUZZ_DIR) / kind / name;
      const bool seeds = std::string(kind) == "corpus";
      auto target_fn = fn;
      testing::RegisterTest(seeds ? "FuzzCorpus" : "FuzzRegressions", name.c_str(), nullptr, nullptr, __FILE__,
                            __LINE__, [=]() -> testing::Test* { return new ReplayTest(target_fn, dir, seeds); });
    }
  }
  return true;
}();

}  // namespace
