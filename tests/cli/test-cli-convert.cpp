// End-to-end: the sam3rt program's convert and info commands on the fixture model, and their
// errors on bad input (one line naming the file, exit code 1; usage errors exit 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "io/model-loader.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

std::string tiny_pt() { return test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt"; }
std::string tiny_config() { return test::data_dir() + "/sam3-tiny/model/sam3-tiny.config.json"; }

int sam3rt(const std::string& args, std::string* out) { return test::run_command(test::cli_path() + " " + args, out); }

// The last non-empty line of the output (warnings may precede the error).
std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

void expect_file_error(const std::string& args, const std::string& path, const char* fragment) {
  std::string out;
  int rc = sam3rt(args, &out);
  EXPECT_EQ(rc, 1) << out;
  std::string line = last_line(out);
  EXPECT_EQ(line.rfind("sam3rt: error: ", 0), 0u) << out;
  EXPECT_NE(line.find(path), std::string::npos) << "error does not name " << path << ": " << out;
  EXPECT_NE(line.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << out;
  EXPECT_EQ(out.find("Segmentation"), std::string::npos) << out;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
}

bool same_weights(const LoadedModel& a, const LoadedModel& b) {
  if (a.weights.size() != b.weights.size()) return false;
  for (const auto& [name, t] : a.weights.all()) {
    if (!b.weights.has(name)) return false;
    const Tensor& u = b.weights.get(name);
    if (u.shape() != t.shape() || u.dtype() != t.dtype()) return false;
    if (std::memcmp(u.raw_data(), t.raw_data(), t.nbytes()) != 0) return false;
  }
  return true;
}

TEST(CliConvert, FixturePtConvertsAndLoadsBitIdentical) {
  TempDir dir;
  std::string out, model = dir.file("tiny.sam3rt");
  ASSERT_EQ(sam3rt("convert " + tiny_pt() + " --config " + tiny_config() + " -o " + model, &out), 0) << out;
  EXPECT_NE(out.find("wrote " + model), std::string::npos) << out;
  LoadOptions o;
  o.config_path = tiny_config();
  EXPECT_TRUE(same_weights(load_model(model), load_model(tiny_pt(), o)));

  ASSERT_EQ(sam3rt("info " + model, &out), 0) << out;
  EXPECT_NE(out.find("format: sam3rt (format version 1, converted from pytorch)"), std::string::npos) << out;
  EXPECT_NE(out.find("total                        342,374"), std::string::npos) << out;
  EXPECT_NE(out.find("validation: ok"), std::string::npos) << out;
}

TEST(CliConvert, TokenizerIsStoredInTheModelFile) {
  TempDir dir;
  std::string out, model = dir.file("tok.sam3rt");
  ASSERT_EQ(sam3rt("convert " + tiny_pt() + " --tokenizer " + test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz -o " +
                       model, &out), 0) << out;
  LoadedModel m = load_model(model);
  EXPECT_EQ(m.bpe_merges.size(), 400u);
  ASSERT_EQ(sam3rt("info " + model, &out), 0) << out;
  EXPECT_NE(out.find("tokenizer: 400 BPE merges"), std::string::npos) << out;
}

TEST(CliConvert, F16HalvesTheFileAndLoads) {
  TempDir dir;
  std::string out, f32 = dir.file("f32.sam3rt"), f16 = dir.file("f16.sam3rt");
  ASSERT_EQ(sam3rt("convert " + tiny_pt() + " -o " + f32, &out), 0) << out;
  ASSERT_EQ(sam3rt("convert " + tiny_pt() + " -o " + f16 + " --dtype f16", &out), 0) << out;
  double ratio = static_cast<double>(fs::file_size(f16)) / static_cast<double>(fs::file_size(f32));
  EXPECT_GT(ratio, 0.45);
  EXPECT_LT(ratio, 0.55);
  // The fixture's values are exact in f16: loading the f16 file as f32 gives the same weights.
  EXPECT_TRUE(same_weights(load_model(f16), load_model(f32)));
  ASSERT_EQ(sam3rt("info " + f16, &out), 0) << out;
  EXPECT_NE(out.find("dtype: f16 (342,374)"), std::string::npos) << out;
}

TEST(CliConvert, HuggingFaceFolderConverts) {
  TempDir dir;
  std::string out, model = dir.file("hf.sam3rt");
  ASSERT_EQ(sam3rt("convert " + test::data_dir() + "/sam3-tiny/model-hf -o " + model, &out), 0) << out;
  LoadedModel m = load_model(model);
  EXPECT_EQ(m.config.vit_dim, 32);
  EXPECT_EQ(m.weights.size(), 310u);  // no freqs_cis, no point projections in the HF layout
}

TEST(CliConvert, RandomWeightsForAConfig) {
  TempDir dir;
  std::string out, a = dir.file("a.sam3rt"), b = dir.file("b.sam3rt"), c = dir.file("c.sam3rt");
  ASSERT_EQ(sam3rt("convert --random-weights --config " + tiny_config() + " -o " + a, &out), 0) << out;
  ASSERT_EQ(sam3rt("convert --random-weights --config " + tiny_config() + " -o " + b, &out), 0) << out;
  ASSERT_EQ(sam3rt("convert --random-weights --seed 7 --config " + tiny_config() + " -o " + c, &out), 0) << out;
  EXPECT_EQ(read_bytes(a), read_bytes(b));  // seeded: reproducible
  EXPECT_NE(read_bytes(a), read_bytes(c));
  LoadedModel m = load_model(a);  // validates against the configuration
  EXPECT_EQ(m.config.num_queries, 8);
  // the tiny detector's 320 tensors + the tracker's 331 (22 sam2_convs + 309 tracker.*, spec §16.1)
  EXPECT_EQ(m.weights.size(), 320u + 331u);
}

TEST(CliConvertBad, NonExistentInput) {
  TempDir dir;
  expect_file_error("convert " + dir.file("missing.pt") + " -o " + dir.file("o.sam3rt"), dir.file("missing.pt"),
                    "cannot open");
  EXPECT_FALSE(fs::exists(dir.file("o.sam3rt")));
}

TEST(CliConvertBad, EmptyFile) {
  TempDir dir;
  write_bytes(dir.file("empty.pt"), "");
  expect_file_error("convert " + dir.file("empty.pt") + " -o " + dir.file("o.sam3rt"), dir.file("empty.pt"), "empty");
}

TEST(CliConvertBad, WrongMagic) {
  TempDir dir;
  write_bytes(dir.file("magic.pt"), "PK\x01\x02 not really a zip archive, just bytes that start like one");
  expect_file_error("info " + dir.file("magic.pt"), dir.file("magic.pt"), "not");
}

TEST(CliConvertBad, TruncatedZip) {
  TempDir dir;
  std::string all = read_bytes(tiny_pt());
  write_bytes(dir.file("trunc.pt"), all.substr(0, all.size() * 2 / 3));
  expect_file_error("convert " + dir.file("trunc.pt") + " -o " + dir.file("o.sam3rt"), dir.file("trunc.pt"),
                    "truncated");
}

TEST(CliConvertBad, UnsupportedPickleOpcode) {
  TempDir dir;
  std::string all = read_bytes(tiny_pt());
  // data.pkl is the first entry; its program starts at byte 64 with PROTO 2, then EMPTY_DICT.
  ASSERT_EQ(all.substr(64, 3), std::string("\x80\x02}"));
  all[66] = 'i';  // INST: instantiates an arbitrary class, never accepted
  write_bytes(dir.file("opcode.pt"), all);
  expect_file_error("convert " + dir.file("opcode.pt") + " -o " + dir.file("o.sam3rt"), dir.file("opcode.pt"),
                    "opcode 0x69 (INST)");
}

TEST(CliConvertBad, ShapeDisagreesWithConfig) {
  TempDir dir;
  // A config whose d_ffn does not match the checkpoint's feed-forward layers.
  std::string cfg = read_bytes(tiny_config());
  size_t at = cfg.find("\"d_ffn\": 64");
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, 11, "\"d_ffn\": 80");
  write_bytes(dir.file("wrong.config.json"), cfg);
  expect_file_error("convert " + tiny_pt() + " --config " + dir.file("wrong.config.json") + " -o " + dir.file("o.sam3rt"),
                    tiny_pt(), "needs [80, 32]");
}

TEST(CliConvertBad, FolderWithoutConfigJson) {
  TempDir dir;
  fs::create_directories(dir.file("hf"));
  expect_file_error("convert " + dir.file("hf") + " -o " + dir.file("o.sam3rt"), dir.file("hf"), "no config.json");
}

TEST(CliConvertBad, TokenizerThatIsNotAMergesList) {
  TempDir dir;
  write_bytes(dir.file("tok.txt"), "\x89PNG\r\n\x1a\n\x00\x00 binary junk, not a merges list");
  std::string out;
  int rc = sam3rt("convert " + tiny_pt() + " --tokenizer " + dir.file("tok.txt") + " -o " + dir.file("o.sam3rt"), &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(last_line(out).find(dir.file("tok.txt")), std::string::npos) << out;
}

TEST(CliConvertBad, UsageErrors) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(sam3rt("convert -o " + dir.file("o.sam3rt"), &out), 2) << out;                 // no input
  EXPECT_EQ(sam3rt("convert " + tiny_pt(), &out), 2) << out;                               // no -o
  EXPECT_EQ(sam3rt("convert " + tiny_pt() + " -o x --dtype f64", &out), 2) << out;         // bad dtype
  EXPECT_EQ(sam3rt("convert " + tiny_pt() + " --random-weights -o x", &out), 2) << out;    // both
  EXPECT_EQ(sam3rt("info", &out), 2) << out;
}

}  // namespace
}  // namespace sam3rt
