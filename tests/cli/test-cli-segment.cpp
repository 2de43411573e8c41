// `sam3rt segment` end to end: bad input (one test each: exit code and a clear one-line message,
// no half-written files) and, on the tiny fixture model, every fixture case compared with the
// reference's out.* tensors through the JSON, the RLE strings and the mask PNGs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "io/image.h"
#include "io/safetensors.h"
#include "pipeline/rle.h"

using namespace sam3rt;
namespace fs = std::filesystem;

namespace {

// End-to-end bounds of the issue, against the official implementation run in float32
// (tests/data/sam3-tiny-fp32; the shared fixtures' tensors were computed with TF32, see
// tests/parity/reference-precision.h): scores within 1e-5 absolute, boxes within 1e-3 pixels.
constexpr double kScoreTol = 1e-5;
constexpr double kBoxTolPixels = 1e-3;

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string tiny() { return test::data_dir() + "/sam3-tiny/"; }
// The reference tensors of a case: the float32 run of the official code.
std::string reference_tensors(const std::string& case_name) {
  return test::data_dir() + "/sam3-tiny-fp32/cases/" + case_name + ".safetensors";
}

// The tiny model: the released-layout .pt with its config and BPE merges.
std::string model_args() {
  return " --model " + quote(tiny() + "model/sam3-tiny.pt") + " --config " +
         quote(tiny() + "model/sam3-tiny.config.json") + " --tokenizer " +
         quote(tiny() + "model/tiny-bpe.txt.gz");
}
std::string image(const char* name) { return quote(tiny() + "images/" + name); }

struct CliRun {
  int code;
  std::string output;
};
CliRun segment(const std::string& args) {
  CliRun r;
  r.code = test::run_command(quote(test::cli_path()) + " segment" + args, &r.output);
  return r;
}

using test::TempDir;

int count_lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

// --- bad input ---------------------------------------------------------------------------------

TEST(CliSegment, MissingModel) {
  CliRun r = segment(" --model /nonexistent/sam3.pt --image " + image("scene_96x64.png") + " --text cat");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("model '/nonexistent/sam3.pt' does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
}

TEST(CliSegment, MissingImage) {
  CliRun r = segment(model_args() + " --image /nonexistent/photo.jpg --text cat");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("image '/nonexistent/photo.jpg' does not exist"), std::string::npos) << r.output;
}

TEST(CliSegment, OutputFolderThatCannotBeCreated) {
  TempDir tmp;
  std::ofstream(tmp.str("a-file")) << "x";
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --out " +
                     quote(tmp.str("a-file/sub")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot create output folder"), std::string::npos) << r.output;
}

TEST(CliSegment, BoxWithX1LessThanX0) {
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --box 50,10,20,30");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("x1 < x0"), std::string::npos) << r.output;
}

TEST(CliSegment, BoxWithNaN) {
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --box nan,10,20,30");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("not a finite number"), std::string::npos) << r.output;
}

TEST(CliSegment, MalformedBox) {
  for (const char* spec : {"1,2,3", "1,2,3,4,5", "1,2,3,4:maybe", "a,b,c,d", "1,2,3,"}) {
    CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --box " + quote(spec));
    EXPECT_EQ(r.code, 2) << spec << ": " << r.output;
    EXPECT_NE(r.output.find("--box"), std::string::npos) << r.output;
  }
}

TEST(CliSegment, BoxEntirelyOutsideTheImage) {
  // The image is 96×64; this box starts right of it. Refused once the image size is known.
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") +
                     " --text cat --box 100,10,120,30 --quiet");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("entirely outside the 96x64 image"), std::string::npos) << r.output;
}

TEST(CliSegment, ThresholdOutsideZeroOne) {
  for (const char* t : {"1.5", "-0.1", "nan"}) {
    CliRun r =
        segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --threshold " + t);
    EXPECT_EQ(r.code, 2) << t << ": " << r.output;
    EXPECT_NE(r.output.find("--threshold must be in [0, 1]"), std::string::npos) << r.output;
  }
}

TEST(CliSegment, UnknownDevice) {
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --device tpu");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("tpu"), std::string::npos) << r.output;
}

TEST(CliSegment, CudaOnABuildWithoutCuda) {
  std::string devices;
  test::run_command(quote(test::cli_path()) + " devices", &devices);
  if (devices.find("cuda: not built") == std::string::npos) GTEST_SKIP() << "this build has CUDA: " << devices;
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --device cuda");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("SAM3RT_CUDA"), std::string::npos) << "should say how to get CUDA: " << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
}

TEST(CliSegment, DumpWithSeveralImages) {
  TempDir tmp;
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --image " +
                     image("scene_50x75.png") + " --text cat --dump " + quote(tmp.str("d.safetensors")));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--dump records one image and one prompt"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.str("d.safetensors")));
}

TEST(CliSegment, DumpWithSeveralPrompts) {
  TempDir tmp;
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") +
                     " --text cat --text dog --dump " + quote(tmp.str("d.safetensors")));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--dump records one image and one prompt"), std::string::npos) << r.output;
}

TEST(CliSegment, UnwritableOutputPath) {
  TempDir tmp;
  std::ofstream(tmp.str("a-file")) << "x";
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --json " +
                     quote(tmp.str("a-file/result.json")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot write JSON file"), std::string::npos) << r.output;
  r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --json " +
              quote(tmp.str()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("is a folder"), std::string::npos) << r.output;
  EXPECT_TRUE(tmp.temporaries().empty());
}

TEST(CliSegment, NoPrompt) {
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("give at least one --text or --box"), std::string::npos) << r.output;
}

TEST(CliSegment, HelpStatesTheBoxPolicy) {
  std::string out;
  EXPECT_EQ(test::run_command(quote(test::cli_path()) + " segment --help", &out), 0);
  EXPECT_NE(out.find("entirely outside the image is refused"), std::string::npos) << out;
  EXPECT_NE(out.find("partly outside is used as given"), std::string::npos) << out;
}

// --- end to end on the tiny model --------------------------------------------------------------

namespace {

struct Case {
  std::string name;
  nlohmann::json meta;
};

std::vector<Case> fixture_cases() {
  std::vector<Case> cases;
  for (const auto& e : fs::directory_iterator(tiny() + "cases"))
    if (e.path().extension() == ".json")
      cases.push_back({e.path().stem().string(), nlohmann::json::parse(std::ifstream(e.path()))});
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

std::string fmt(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

// The case's normalised cxcywh boxes as --box pixel arguments.
std::string box_args(const nlohmann::json& meta) {
  const float W = meta["original_size_wh"][0], H = meta["original_size_wh"][1];
  std::string args;
  for (const auto& b : meta["boxes"]) {
    const float cx = b[0][0], cy = b[0][1], w = b[0][2], h = b[0][3];
    args += " --box " + fmt((cx - 0.5f * w) * W) + "," + fmt((cy - 0.5f * h) * H) + "," +
            fmt((cx + 0.5f * w) * W) + "," + fmt((cy + 0.5f * h) * H) + (b[1] ? "" : ":neg");
  }
  return args;
}

// Compares one prompt's JSON with the case's reference tensors; `png_prefix` (may be empty) is
// the path prefix of the mask PNGs "<prefix>_i<k>.png".
void expect_prompt_matches(const nlohmann::json& prompt, const std::string& case_name, int W, int H,
                           const std::string& png_prefix) {
  SCOPED_TRACE(case_name);
  auto ref = load_safetensors(reference_tensors(case_name));
  const std::vector<float> scores = ref.at("out.scores").to_vector();
  const std::vector<float> boxes = ref.at("out.boxes_xyxy").to_vector();
  const Tensor& masks = ref.at("out.masks");
  const auto& instances = prompt["instances"];
  ASSERT_EQ(instances.size(), scores.size()) << "threshold 0 keeps every query (all fixture scores are > 0)";
  std::vector<bool> seen(scores.size(), false);
  float previous = 2.f;
  double worst_score = 0, worst_box = 0, worst_agreement = 1;
  for (size_t k = 0; k < instances.size(); ++k) {
    const auto& inst = instances[k];
    const int q = inst["query"];
    ASSERT_TRUE(q >= 0 && q < static_cast<int>(scores.size()));
    EXPECT_FALSE(seen[q]);
    seen[q] = true;
    const float score = inst["score"];
    EXPECT_LE(score, previous) << "sorted by score";
    previous = score;
    EXPECT_NEAR(score, scores[q], kScoreTol) << "query " << q;
    worst_score = std::max(worst_score, std::fabs(double(score) - scores[q]));
    for (int c = 0; c < 4; ++c) {
      EXPECT_NEAR(float(inst["box_xyxy"][c]), boxes[q * 4 + c], kBoxTolPixels) << "query " << q;
      worst_box = std::max(worst_box, std::fabs(double(inst["box_xyxy"][c]) - boxes[q * 4 + c]));
    }
    EXPECT_EQ(inst["mask"]["size"], nlohmann::json({H, W}));
    pipeline::Rle rle{H, W, pipeline::rle_from_string(inst["mask"]["counts"])};
    const std::vector<uint8_t> mask = pipeline::rle_decode(rle);
    Tensor ref_mask = masks.select(0, q).select(0, 0).contiguous();
    int64_t agree = 0;
    for (int64_t i = 0; i < ref_mask.numel(); ++i)
      agree += (mask[i] != 0) == (ref_mask.data<uint8_t>()[i] != 0);
    EXPECT_GE(static_cast<double>(agree) / ref_mask.numel(), 0.999) << "query " << q;
    worst_agreement = std::min(worst_agreement, static_cast<double>(agree) / ref_mask.numel());
    if (!png_prefix.empty()) {
      Image png = decode_image_file(png_prefix + "_i" + std::to_string(k) + ".png");
      ASSERT_EQ(png.width, W);
      ASSERT_EQ(png.height, H);
      int64_t png_differs = 0;
      for (int64_t i = 0; i < static_cast<int64_t>(mask.size()); ++i)
        png_differs += png.rgb[i * 3] != (mask[i] ? 255 : 0);
      EXPECT_EQ(png_differs, 0) << "the PNG mask is the RLE mask, as 0/255";
    }
  }
  std::printf("[e2e] %-16s worst |score - ref| %.3g, worst box |d| %.3g px, lowest mask agreement %.5f\n",
              case_name.c_str(), worst_score, worst_box, worst_agreement);
}

}  // namespace

TEST(CliSegment, EveryFixtureCaseMatchesTheReference) {
  const auto cases = fixture_cases();
  ASSERT_EQ(cases.size(), 9u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir tmp;
    const int W = c.meta["original_size_wh"][0], H = c.meta["original_size_wh"][1];
    std::string args = model_args() + " --image " + quote(tiny() + std::string(c.meta["image"]));
    if (!c.meta["text"].is_null()) args += " --text " + quote(c.meta["text"]);
    args += box_args(c.meta) + " --threshold 0 --device cpu --quiet --out " + quote(tmp.str("out")) +
            " --json " + quote(tmp.str("result.json"));
    CliRun r = segment(args);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(r.output, "") << "--quiet prints nothing";
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(tmp.str("result.json")));
    EXPECT_EQ(doc, nlohmann::json::parse(std::ifstream(tmp.str("out/result.json"))));
    EXPECT_EQ(doc["device"], "cpu");
    EXPECT_TRUE(doc["timings_ms"].contains("backbone"));
    ASSERT_EQ(doc["images"].size(), 1u);
    const auto& img = doc["images"][0];
    EXPECT_EQ(img["width"], W);
    EXPECT_EQ(img["height"], H);
    ASSERT_EQ(img["prompts"].size(), 1u);
    const auto& prompt = img["prompts"][0];
    EXPECT_EQ(prompt["text"], c.meta["text"]);
    EXPECT_EQ(prompt["boxes"].size(), c.meta["boxes"].size());
    EXPECT_GT(float(prompt["presence"]), 0.f);
    const std::string stem = fs::path(std::string(c.meta["image"])).stem().string();
    expect_prompt_matches(prompt, c.name, W, H, tmp.str("out/" + stem + "_p0"));
    EXPECT_TRUE(fs::exists(tmp.str("out/" + stem + "_overlay.png")));
    EXPECT_TRUE(tmp.temporaries().empty());
  }
}

TEST(CliSegment, SeveralImagesAndPromptsInOneRun) {
  // Each image is encoded once and gets every prompt; the pairs that are fixture cases must match.
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --image " +
                     image("scene_200x150.png") + " --text 'a person' --text " +
                     quote("caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
                           "e") +
                     " --threshold 0 --json - --quiet");
  ASSERT_EQ(r.code, 0) << r.output;
  nlohmann::json doc = nlohmann::json::parse(r.output);
  ASSERT_EQ(doc["images"].size(), 2u);
  ASSERT_EQ(doc["images"][0]["prompts"].size(), 2u);
  ASSERT_EQ(doc["images"][1]["prompts"].size(), 2u);
  expect_prompt_matches(doc["images"][0]["prompts"][0], "text_person", 96, 64, "");
  expect_prompt_matches(doc["images"][1]["prompts"][1], "text_unicode", 200, 150, "");
}

TEST(CliSegment, DumpWritesTheNamedIntermediates) {
  TempDir tmp;
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") +
                     " --text 'a person' --quiet --dump " + quote(tmp.str("d.safetensors")));
  ASSERT_EQ(r.code, 0) << r.output;
  auto dump = load_safetensors(tmp.str("d.safetensors"));
  auto ref = load_safetensors(reference_tensors("text_person"));
  for (const char* name : {"input.pixels", "input.token_ids", "raw.pred_logits", "out.scores", "out.masks"}) {
    ASSERT_TRUE(dump.count(name)) << name;
    EXPECT_EQ(dump.at(name).shape(), ref.at(name).shape()) << name;
  }
  EXPECT_LT(test::max_abs_diff(dump.at("out.scores"), ref.at("out.scores")), kScoreTol);
  EXPECT_TRUE(tmp.temporaries().empty());
}

TEST(CliSegment, InterruptedRunLeavesNoHalfWrittenFiles) {
  // Kill the program at several moments of a multi-image run; whatever final files exist must be
  // complete (PNG masks and overlays decode, result.json parses). Temporaries may remain after a
  // SIGKILL, but never under a final name.
  std::string images;
  for (const char* name : {"scene_320x180.png", "scene_200x150.png", "scene_96x64.png", "scene_168x168.png",
                           "scene_50x75.png", "scene_13x9.png"})
    images += " --image " + image(name);
  for (const char* after : {"0.2", "0.35", "0.5", "0.7", "1.0"}) {
    TempDir tmp;
    std::string out;
    test::run_command(
        "timeout -s KILL " + std::string(after) + " " + quote(test::cli_path()) + " segment" + model_args() +
            images + " --text car --text 'a person' --threshold 0 --quiet --out " + quote(tmp.str("out")),
        &out);
    if (!fs::exists(tmp.str("out"))) continue;
    for (const auto& e : fs::directory_iterator(tmp.str("out"))) {
      const std::string name = e.path().filename().string();
      if (name.find(".tmp") != std::string::npos) continue;
      SCOPED_TRACE(std::string("killed after ") + after + " s: " + name);
      if (e.path().extension() == ".png") {
        EXPECT_NO_THROW(decode_image_file(e.path().string()));
      } else if (name == "result.json") {
        EXPECT_NO_THROW({ const auto doc = nlohmann::json::parse(std::ifstream(e.path())); EXPECT_FALSE(doc.is_null()); });
      }
    }
  }
}

TEST(CliSegment, ProfilePrintsTheOpTable) {
  CliRun r = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --profile --json -");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("op profile (wall time"), std::string::npos) << r.output;
  for (const char* op : {"linear", "attention", "conv2d", "layer_norm", "(outside ops)"})
    EXPECT_NE(r.output.find(std::string("  ") + op + " "), std::string::npos) << op << "\n" << r.output;
}

TEST(CliSegment, PrecisionIsCheckedAndRecorded) {
  CliRun bad = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --precision fp16");
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--precision"), std::string::npos) << bad.output;
  // On the CPU tf32 changes nothing: the same scores as fp32, and the JSON says which was asked for.
  CliRun fp32 = segment(model_args() + " --image " + image("scene_96x64.png") + " --text cat --device cpu --json -");
  CliRun tf32 = segment(model_args() + " --image " + image("scene_96x64.png") +
                        " --text cat --device cpu --precision tf32 --json -");
  ASSERT_EQ(fp32.code, 0) << fp32.output;
  ASSERT_EQ(tf32.code, 0) << tf32.output;
  const auto a = nlohmann::json::parse(fp32.output.substr(fp32.output.find('{')));
  const auto b = nlohmann::json::parse(tf32.output.substr(tf32.output.find('{')));
  EXPECT_EQ(a["precision"], "fp32");
  EXPECT_EQ(b["precision"], "tf32");
  EXPECT_EQ(a["images"], b["images"]);
}
