// `sam3rt track` end to end on the tiny video fixture (14 frames, 160×120): JSON Lines streamed
// one per frame in processing order, masks equal to pipeline::VideoSession's, "both" covering
// every frame once, PNG masks written, and bad input as a one-line error with no output left.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/temp-dir.h"
#include "common/test-util.h"
#include "common/video-fixtures.h"
#include "io/model-loader.h"
#include "io/video-source.h"
#include "model/sam3-image.h"
#include "pipeline/video-session.h"

using namespace sam3rt;
namespace fs = std::filesystem;

namespace {

std::string frames() { return test::tiny_video_dir() + "/frames"; }
std::string model_args() {
  const std::string m = test::tiny_video_dir() + "/model/";
  return " --model " + m + "sam3-tiny-video.pt --config " + m + "sam3-tiny-video.config.json --tokenizer " +
         test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
}

struct TrackRun {
  int code;
  std::string out;
};
TrackRun track(const std::string& args, bool merge_stderr = true) {
  TrackRun r;
  r.code = test::run_command(
      test::cli_path() + " track --quiet --device cpu" + args + (merge_stderr ? " 2>&1" : ""), &r.out);
  return r;
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(CliTrack, JsonLinesEqualTheLibrarysResults) {
  TrackRun r = track(
      model_args() + " --video " + frames() + " --point 0:24,48 --obj 2 --box 0:102,66,138,102 --json -",
      false);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 14u);

  // The same prompts through the library directly.
  LoadOptions options;
  options.config_path = test::tiny_video_dir() + "/model/sam3-tiny-video.config.json";
  options.tokenizer_path = test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
  auto loaded = std::make_shared<const LoadedModel>(
      load_model(test::tiny_video_dir() + "/model/sam3-tiny-video.pt", options));
  pipeline::VideoSession session(std::make_shared<const Sam3ImageModel>(loaded, Device::cpu()),
                                 io::open_frame_source(frames()));
  session.add_points(0, 1, {{24.f, 48.f, 1}});
  session.add_box(0, 2, {102.f, 66.f, 138.f, 102.f});
  std::vector<pipeline::VideoFrameResult> ref;
  session.propagate(pipeline::PropagateDirection::kForward, std::nullopt, std::nullopt,
                    [&](const pipeline::VideoFrameResult& f) { ref.push_back(f); });
  ASSERT_EQ(ref.size(), lines.size());
  int64_t nonempty = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("frame").get<int>(), static_cast<int>(i));
    const auto& objects = lines[i].at("objects");
    ASSERT_EQ(objects.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      const auto& o = objects[k];
      const auto& want = ref[i].objects[k];
      EXPECT_EQ(o.at("id").get<int>(), want.id);
      EXPECT_NEAR(o.at("score").get<float>(), want.score, 1e-6);
      EXPECT_EQ(o.at("box_xyxy").get<std::vector<float>>(),
                std::vector<float>(want.box_xyxy.begin(), want.box_xyxy.end()));
      EXPECT_EQ(o.at("mask").at("size"), nlohmann::json({120, 160}));
      const std::string counts = o.at("mask").at("counts").get<std::string>();
      EXPECT_EQ(counts, pipeline::rle_to_string(want.mask.counts)) << "frame " << i << " object " << want.id;
      const auto mask = pipeline::rle_decode({120, 160, pipeline::rle_from_string(counts)});
      nonempty += std::count(mask.begin(), mask.end(), 1);
    }
  }
  EXPECT_GT(nonempty, 0);
}

TEST(CliTrack, BothCoversEveryFrameAndOutWritesPngs) {
  test::TempDir dir;
  TrackRun r = track(model_args() + " --video " + frames() +
                     " --point 5:66,58 --obj 3 --point 5:30,40 --direction both --out " + dir.path() +
                     " --json " + dir.file("t.jsonl"));
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(dir.file("t.jsonl"));
  const auto lines = lines_of(std::string(std::istreambuf_iterator<char>(in), {}));
  std::vector<int> order;
  for (const auto& l : lines) order.push_back(l.at("frame").get<int>());
  EXPECT_EQ(order, (std::vector<int>{5, 6, 7, 8, 9, 10, 11, 12, 13, 4, 3, 2, 1, 0}));
  for (int f = 0; f < 14; ++f)
    for (int id : {1, 3}) {
      char name[64];
      std::snprintf(name, sizeof name, "frame_%05d_obj_%d.png", f, id);
      EXPECT_TRUE(fs::exists(dir.file(name))) << name;
    }
  EXPECT_TRUE(fs::exists(dir.file("track.jsonl")));
  EXPECT_TRUE(dir.temporaries().empty());
}

TEST(CliTrack, BadInputIsAOneLineErrorAndLeavesNoOutput) {
  struct Case {
    std::string args;
    int code;
    const char* says;
  };
  test::TempDir dir, empty;
  const std::string json = dir.file("out.jsonl");
  const std::string m = model_args() + " --json " + json;
  std::vector<Case> cases = {
      {m + " --video " + frames() + " --point 14:24,48", 2, "frame 14"},
      {m + " --video " + empty.path() + " --point 0:24,48", 2, "no frames"},
      {m + " --video " + frames() + " --point 24,48", 2, "frame index"},
      {m + " --video " + frames() + " --point 0:24", 2, "expected 2 numbers"},
      {m + " --video " + frames() + " --point 0:24,48:maybe", 2, "'neg' or 'pos'"},
      {m + " --video " + frames() + " --point 0:24,48 --direction sideways", 2, "forward, backward or both"},
      {m + " --video " + frames(), 2, "at least one --point"},
      {m + " --video " + frames() + " --mask 0:" + dir.file("none.png"), 1, "does not exist"},
  };
  if (io::video_file_decoding_available()) {
    std::ofstream(dir.file("x.mp4")) << "this is not a video file at all";
    cases.push_back({m + " --video " + dir.file("x.mp4") + " --point 0:24,48", 1, "x.mp4"});
  } else {
    std::printf("[ SKIPPED  ] the corrupt video case: this build has no FFmpeg\n");
  }
  for (const Case& c : cases) {
    TrackRun r = track(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.says), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;  // the error, maybe a usage hint
    EXPECT_FALSE(fs::exists(json)) << c.args;
    EXPECT_TRUE(dir.temporaries().empty()) << c.args;
  }
}

}  // namespace
