// `sam3rt track --text` end to end on the concept-video fixture (20 frames, 160×120): the JSON
// Lines carry the official run's object ids on every frame (the fixture session `text_frame0`, with
// its thresholds passed as --option), PNG masks and track.jsonl are written, a text that matches
// nothing gives empty frames, and bad input is a one-line error with no output left.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/concept-video-fixtures.h"
#include "common/temp-dir.h"
#include "common/test-util.h"
#include "common/video-fixtures.h"
#include "io/video-source.h"

using namespace sam3rt;
namespace fs = std::filesystem;

namespace {

std::string frames() { return test::concept_video_dir() + "/frames"; }
std::string model_args() {
  const std::string m = test::tiny_video_dir() + "/model/";
  return " --model " + m + "sam3-tiny-video.pt --config " + m + "sam3-tiny-video.config.json --tokenizer " +
         test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
}

struct ConceptRun {
  int code;
  std::string out;
};
ConceptRun track(const std::string& args, bool merge_stderr = true) {
  ConceptRun r;
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

// The session's thresholds that differ from the official defaults, as --option flags.
std::string fixture_options(const nlohmann::json& session) {
  std::string args;
  for (const auto& name : session.at("overridden")) {
    const std::string n = name.get<std::string>();
    args += " --option " + n + "=" + session.at("options").at(n).dump();
  }
  return args;
}

bool have_fixture() { return fs::exists(test::concept_video_dir() + "/sessions/text_frame0.json"); }

TEST(CliTrackConcept, JsonLinesCarryTheOfficialObjectIds) {
  if (!have_fixture()) GTEST_SKIP() << "no concept-video fixture";
  const nlohmann::json session =
      nlohmann::json::parse(std::ifstream(test::concept_video_dir() + "/sessions/text_frame0.json"));
  const auto& prompt = session.at("requests").at(0);
  const auto& propagate = session.at("requests").at(1);
  ASSERT_EQ(propagate.at("propagation_direction"), "both");
  const ConceptRun r =
      track(model_args() + " --video " + frames() + " --text " + prompt.at("text").get<std::string>() +
                " --frame " + std::to_string(prompt.at("frame_index").get<int>()) + fixture_options(session) +
                " --direction both --json -",
            false);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto lines = lines_of(r.out);
  const auto& yields = propagate.at("yields");
  ASSERT_EQ(lines.size(), yields.size());
  int with_objects = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("frame"), yields[i].at("frame_index"));
    std::vector<int> ids;
    for (const auto& o : lines[i].at("objects")) {
      ids.push_back(o.at("id").get<int>());
      EXPECT_EQ(o.at("mask").at("size"), (nlohmann::json{120, 160}));
      EXPECT_EQ(o.at("box_xywh").size(), 4u);
    }
    EXPECT_EQ(ids, yields[i].at("obj_ids").get<std::vector<int>>()) << "frame " << lines[i].at("frame");
    with_objects += !ids.empty();
  }
  EXPECT_GT(with_objects, 0);
}

TEST(CliTrackConcept, OutWritesPngsAndNothingMatchedGivesEmptyFrames) {
  test::TempDir dir;
  // a detection threshold no probability exceeds: nothing is found, every frame is still reported
  const ConceptRun r =
      track(model_args() + " --video " + frames() +
            " --text ball --option score_threshold_detection=1 --max-frames 4 --out " + dir.path());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(dir.file("track.jsonl"));
  const auto lines = lines_of(std::string(std::istreambuf_iterator<char>(in), {}));
  ASSERT_EQ(lines.size(), 5u);
  for (const auto& l : lines) EXPECT_TRUE(l.at("objects").empty());
  EXPECT_TRUE(dir.temporaries().empty());

  if (!have_fixture()) return;
  test::TempDir pngs;
  const nlohmann::json session =
      nlohmann::json::parse(std::ifstream(test::concept_video_dir() + "/sessions/text_frame0.json"));
  const ConceptRun r2 = track(model_args() + " --video " + frames() + " --text ball" +
                              fixture_options(session) + " --out " + pngs.path());
  ASSERT_EQ(r2.code, 0) << r2.out;
  int pngs_expected = 0;
  for (const auto& y : session.at("requests").at(1).at("yields"))
    for (const auto& id : y.at("obj_ids")) {
      char name[64];
      std::snprintf(name, sizeof name, "frame_%05d_obj_%d.png", y.at("frame_index").get<int>(),
                    id.get<int>());
      EXPECT_TRUE(fs::exists(pngs.file(name))) << name;
      ++pngs_expected;
    }
  EXPECT_GT(pngs_expected, 0);
  EXPECT_TRUE(fs::exists(pngs.file("track.jsonl")));
}

TEST(CliTrackConcept, BadInputIsAOneLineErrorAndLeavesNoOutput) {
  struct Case {
    std::string args;
    int code;
    const char* says;
  };
  test::TempDir dir, empty;
  const std::string json = dir.file("out.jsonl");
  const std::string m = model_args() + " --json " + json;
  std::vector<Case> cases = {
      {m + " --video " + empty.path() + " --text ball", 2, "no frames"},
      {m + " --video " + frames() + " --text ball --frame 20", 2, "frame 20"},
      {m + " --video " + frames() + " --text ball --point 0:10,10", 2, "--point"},
      {m + " --video " + frames() + " --text ball --box 0:1,1,5,5 --box 0:2,2,6,6", 2, "at most one"},
      {m + " --video " + frames() + " --text ball --box 0:1,1,5,5 --frame 3", 2, "one frame"},
      {m + " --video " + frames() + " --text visual", 2, "--box"},
      {m + " --video " + frames() + " --text ball --option new_det_thresh", 2, "NAME=VALUE"},
      {m + " --video " + frames() + " --text ball --option new_det_thresh=abc", 2, "not a number"},
      {m + " --video " + frames() + " --text ball --option no_such_option=1", 2,
       "unknown concept-video option"},
      {m + " --video " + frames() + " --text ball --option hotstart_delay=1.5", 2, "integer"},
      {m + " --video " + frames() + " --point 0:10,10 --option hotstart_delay=1", 2, "--text"},
      {m + " --video " + frames() + " --text ball --box 0:1,1,500,5", 2, "outside"},
  };
  if (io::video_file_decoding_available()) {  // a video file with no decodable frame
    std::ofstream(dir.file("x.mp4")) << "this is not a video file at all";
    cases.push_back({m + " --video " + dir.file("x.mp4") + " --text ball", 1, "x.mp4"});
  }
  for (const Case& c : cases) {
    const ConceptRun r = track(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.says), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
    EXPECT_FALSE(fs::exists(json)) << c.args;
    EXPECT_TRUE(dir.temporaries().empty()) << c.args;
  }
}

TEST(CliTrackConcept, HelpExplainsConceptMode) {
  const ConceptRun r = track(" --help");
  ASSERT_EQ(r.code, 0);
  for (const char* s : {"--text", "--option", "--frame", "exemplar", "new_det_thresh"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

}  // namespace
