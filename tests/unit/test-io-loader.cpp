// Model loading from the three layouts: the fixture .pt + config, its Hugging Face twin, and the
// native file written from it; validation errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "io/hf-checkpoint.h"
#include "io/model-loader.h"
#include "io/native-model-file.h"
#include "io/safetensors.h"
#include "io/weight-specs.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

std::string tiny_pt() { return test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt"; }
std::string tiny_config() { return test::data_dir() + "/sam3-tiny/model/sam3-tiny.config.json"; }
std::string tiny_hf() { return test::data_dir() + "/sam3-tiny/model-hf"; }

LoadOptions tiny_options() {
  LoadOptions o;
  o.config_path = tiny_config();
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

TEST(IoLoader, FixturePtWithConfigLoadsAndValidates) {
  LoadedModel m = load_model(tiny_pt(), tiny_options());
  EXPECT_EQ(m.format, "pytorch");
  EXPECT_EQ(m.config.vit_dim, 32);
  EXPECT_EQ(m.config.vit_global, (std::vector<int>{1, 3}));
  EXPECT_EQ(m.weights.size(), 320u);
  // Every tensor of the image model's table is in the fixture, with the expected shape.
  for (const WeightSpec& s : image_weight_specs(m.config)) EXPECT_TRUE(m.weights.has(s.name)) << s.name;
  EXPECT_EQ(m.weights.get("detector.backbone.vision_backbone.trunk.blocks.0.attn.qkv.weight").shape(),
            Shape({96, 32}));
  for (const auto& [name, t] : m.weights.all()) {
    EXPECT_EQ(t.dtype(), DType::kF32) << name;
    EXPECT_TRUE(t.is_contiguous()) << name;
  }
}

TEST(IoLoader, PtWithTokenizerAndHfFolderTokenizerAgree) {
  LoadOptions o = tiny_options();
  o.tokenizer_path = test::data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz";
  LoadedModel pt = load_model(tiny_pt(), o);
  EXPECT_EQ(pt.bpe_merges.size(), 400u);
  // The HF folder's vocab.json + merges.txt are found on their own and hold the same merges.
  LoadedModel hf = load_model(tiny_hf());
  EXPECT_EQ(hf.bpe_merges, pt.bpe_merges);
}

TEST(IoLoader, ConfigFoundBesideCheckpoint) {
  // sam3-tiny.config.json sits beside sam3-tiny.pt: no option needed.
  LoadedModel m = load_model(tiny_pt());
  EXPECT_EQ(m.config.vit_dim, 32);
  EXPECT_EQ(m.config.num_queries, 8);
}

TEST(IoLoader, FixtureRopeTablesMatchComputedOnes) {
  LoadedModel m = load_model(tiny_pt(), tiny_options());
  for (int b = 0; b < m.config.vit_depth; ++b) {
    const std::string name = "detector.backbone.vision_backbone.trunk.blocks." + std::to_string(b) + ".attn.freqs_cis";
    Tensor ref = compute_freqs_cis(m.config, b);
    ASSERT_EQ(ref.shape(), m.weights.get(name).shape()) << name;
    EXPECT_LT(test::max_abs_diff(ref, m.weights.get(name)), 2e-6) << name;
  }
}

TEST(IoLoader, HuggingFaceFolderGivesTheSameTensors) {
  LoadedModel pt = load_model(tiny_pt(), tiny_options());
  LoadedModel hf = load_model(tiny_hf());
  EXPECT_EQ(hf.format, "huggingface");
  // Hyperparameters read from config.json match the fixture's configuration.
  EXPECT_EQ(hf.config.to_json(), pt.config.to_json());
  // The HF file has no freqs_cis (recomputed by HF) and no point-prompt projections (no HF
  // counterpart): compare every other tensor, bit for bit.
  size_t compared = 0;
  for (const auto& [name, t] : pt.weights.all()) {
    bool hf_lacks = name.find(".freqs_cis") != std::string::npos || name.find(".points_") != std::string::npos;
    if (hf_lacks) {
      EXPECT_FALSE(hf.weights.has(name)) << name;
      continue;
    }
    ASSERT_TRUE(hf.weights.has(name)) << name;
    if (name == "detector.backbone.vision_backbone.trunk.pos_embed") {
      // HF dropped the (never used) cls row; it comes back as zeros, the grid rows are exact.
      const Tensor& h = hf.weights.get(name);
      ASSERT_EQ(h.shape(), t.shape());
      EXPECT_TRUE(bit_identical(h.slice(1, 1, h.size(1)), t.slice(1, 1, t.size(1))));
      EXPECT_EQ(test::max_abs_diff(h.slice(1, 0, 1), Tensor::zeros({1, 1, t.size(2)})), 0.0);
      ++compared;
      continue;
    }
    EXPECT_TRUE(bit_identical(hf.weights.get(name), t)) << name << " " << hf.weights.get(name).str() << " vs " << t.str();
    ++compared;
  }
  EXPECT_EQ(compared, 320u - 4 - 6);  // 4 freqs_cis, 3 point projections x (weight, bias)
  // And nothing extra on the HF side.
  EXPECT_EQ(hf.weights.size(), compared);
}

TEST(IoLoader, HuggingFaceSafetensorsFileDirectly) {
  LoadedModel hf = load_model(tiny_hf() + "/model.safetensors");
  EXPECT_EQ(hf.format, "huggingface");
  EXPECT_EQ(hf.weights.size(), 310u);
}

TEST(IoLoader, HuggingFaceVideoConfig) {
  TempDir dir;
  std::ifstream is(tiny_hf() + "/config.json");
  nlohmann::json j = nlohmann::json::parse(is);
  nlohmann::json video = {{"model_type", "sam3_video"}, {"detector_config", j}};
  std::ofstream(dir.file("config.json")) << video.dump();
  fs::create_symlink(fs::absolute(tiny_hf() + "/model.safetensors"), dir.file("model.safetensors"));
  LoadedModel hf = load_model(dir.path());
  EXPECT_EQ(hf.config.d_model, 32);
  EXPECT_EQ(hf.weights.size(), 310u);
}

TEST(IoLoader, NativeRoundTripIsBitIdenticalInF32) {
  TempDir dir;
  LoadedModel pt = load_model(tiny_pt(), tiny_options());
  pt.bpe_merges = {"a n", "p l", "\xc3\xa9 t</w>"};  // any UTF-8 lines survive
  std::string out = dir.file("tiny.sam3rt");
  write_native_model(out, pt, DType::kF32);
  EXPECT_EQ(detect_model_format(out), "sam3rt");
  LoadedModel nat = load_model(out);
  EXPECT_EQ(nat.format, "sam3rt");
  EXPECT_EQ(nat.config.to_json(), pt.config.to_json());
  EXPECT_EQ(nat.bpe_merges, pt.bpe_merges);
  ASSERT_EQ(nat.weights.size(), pt.weights.size());
  for (const auto& [name, t] : pt.weights.all()) EXPECT_TRUE(bit_identical(nat.weights.get(name), t)) << name;
  SafetensorsFile st = open_safetensors(out);
  EXPECT_EQ(st.metadata().at("format_version"), "1");
  EXPECT_EQ(st.metadata().at("source"), "pytorch");
}

TEST(IoLoader, NativeF16HalvesTheFileAndLoads) {
  TempDir dir;
  LoadedModel pt = load_model(tiny_pt(), tiny_options());
  std::string f32 = dir.file("f32.sam3rt"), f16 = dir.file("f16.sam3rt");
  write_native_model(f32, pt, DType::kF32);
  write_native_model(f16, pt, DType::kF16);
  double ratio = static_cast<double>(fs::file_size(f16)) / static_cast<double>(fs::file_size(f32));
  EXPECT_GT(ratio, 0.45);
  EXPECT_LT(ratio, 0.55);
  // Loaded as f16 (views), and as f32: the fixture's values are exactly representable in f16.
  LoadOptions as_f16;
  as_f16.dtype = DType::kF16;
  LoadedModel h = load_model(f16, as_f16);
  LoadedModel f = load_model(f16);
  for (const auto& [name, t] : pt.weights.all()) {
    bool rope = name.find("freqs_cis") != std::string::npos;
    EXPECT_EQ(h.weights.get(name).dtype(), rope ? DType::kF32 : DType::kF16) << name;
    EXPECT_EQ(f.weights.get(name).dtype(), DType::kF32) << name;
    EXPECT_TRUE(bit_identical(f.weights.get(name), t)) << name;
  }
}

TEST(IoLoaderBad, NonExistentPath) {
  std::string msg = error_of([] { load_model("/nonexistent/sam3.pt"); });
  EXPECT_NE(msg.find("/nonexistent/sam3.pt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(IoLoaderBad, EmptyFile) {
  TempDir dir;
  std::ofstream(dir.file("empty.pt")).close();
  std::string msg = error_of([&] { load_model(dir.file("empty.pt")); });
  EXPECT_NE(msg.find(dir.file("empty.pt")), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
}

TEST(IoLoaderBad, FolderWithoutConfigJson) {
  TempDir dir;
  std::string msg = error_of([&] { load_model(dir.path()); });
  EXPECT_NE(msg.find(dir.path()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no config.json"), std::string::npos) << msg;
}

TEST(IoLoaderBad, WrongConfigForCheckpoint) {
  // The released configuration does not fit the tiny weights: one clear shape error.
  TempDir dir;
  std::ofstream(dir.file("released.json")) << Sam3Config::released().to_json().dump();
  LoadOptions o;
  o.config_path = dir.file("released.json");
  std::string msg = error_of([&] { load_model(tiny_pt(), o); });
  EXPECT_NE(msg.find(tiny_pt()), std::string::npos) << msg;
  EXPECT_NE(msg.find("has shape"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs ["), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(IoLoaderBad, ShapeDisagreesWithConfig) {
  TempDir dir;
  LoadedModel pt = load_model(tiny_pt(), tiny_options());
  const std::string victim = "detector.transformer.decoder.query_embed.weight";
  pt.weights.set(victim, Tensor::zeros({9, 32}));
  write_native_model(dir.file("bad.sam3rt"), pt, DType::kF32);
  std::string msg = error_of([&] { load_model(dir.file("bad.sam3rt")); });
  EXPECT_NE(msg.find(dir.file("bad.sam3rt")), std::string::npos) << msg;
  EXPECT_NE(msg.find("'" + victim + "' has shape [9, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs [8, 32]"), std::string::npos) << msg;
}

TEST(IoLoaderBad, MissingTensor) {
  TempDir dir;
  LoadedModel pt = load_model(tiny_pt(), tiny_options());
  const std::string victim = "detector.segmentation_head.cross_attn_norm.weight";
  pt.weights.erase(victim);
  write_native_model(dir.file("missing.sam3rt"), pt, DType::kF32);
  std::string msg = error_of([&] { load_model(dir.file("missing.sam3rt")); });
  EXPECT_NE(msg.find(dir.file("missing.sam3rt")), std::string::npos) << msg;
  EXPECT_NE(msg.find("lack 1 tensor"), std::string::npos) << msg;
  EXPECT_NE(msg.find(victim), std::string::npos) << msg;
}

TEST(IoLoaderBad, NewerFormatVersion) {
  TempDir dir;
  std::string p = dir.file("future.sam3rt");
  save_safetensors(p, {{"x", Tensor::zeros({1})}},
                   {{"format", "sam3rt"}, {"format_version", "99"}, {"config", "{}"}});
  std::string msg = error_of([&] { load_model(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_NE(msg.find("version 99"), std::string::npos) << msg;
}

TEST(IoLoaderBad, LegacyPytorchFormat) {
  TempDir dir;
  std::string p = dir.file("legacy.pt");
  // Pre-1.6 torch.save: pickle protocol 2 header, then the magic number as a LONG1.
  std::ofstream(p, std::ios::binary) << std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  std::string msg = error_of([&] { load_model(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_NE(msg.find("legacy (pre-1.6) format"), std::string::npos) << msg;
}

TEST(IoLoaderBad, TokenizerThatIsNotAMergesList) {
  TempDir dir;
  std::string p = dir.file("tok.txt.gz");
  std::ofstream(p, std::ios::binary) << "this is not a merges list\n\x01\x02\x03";
  LoadOptions o = tiny_options();
  o.tokenizer_path = p;
  std::string msg = error_of([&] { load_model(tiny_pt(), o); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(IoLoaderBad, NotAModel) {
  TempDir dir;
  std::string p = dir.file("image.png");
  std::ofstream(p) << "\x89PNG\r\n\x1a\n not a model";
  std::string msg = error_of([&] { load_model(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
}

}  // namespace
}  // namespace sam3rt

namespace sam3rt {
namespace {

// The tracker/video spec's verified table (official key, HF key, shape), when the shared docs are
// beside the checkout: HF tracker keys map back to exactly the official keys and shapes.
TEST(IoLoader, HuggingFaceTrackerKeysMapBack) {
  const char* env = std::getenv("SAM3RT_SHARED_DIR");  // overrides ../shared beside the checkout
  const std::string tsv = (env ? std::string(env) : test::shared_dir()) + "/docs/sam3-tracker-key-mapping.tsv";
  if (!test::file_exists(tsv)) GTEST_SKIP() << "needs " << tsv << " (shared docs not present)";
  std::ifstream is(tsv);
  std::string line;
  std::getline(is, line);  // header
  std::map<std::string, Tensor> hf;
  std::map<std::string, Shape> expected;
  while (std::getline(is, line)) {
    size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    ASSERT_NE(t2, std::string::npos) << line;
    std::string official = line.substr(0, t1), hf_key = line.substr(t1 + 1, t2 - t1 - 1), dims = line.substr(t2 + 1);
    std::vector<int64_t> shape;
    for (size_t p = 0; p < dims.size();) {
      size_t q = dims.find_first_of("0123456789", p);
      if (q == std::string::npos) break;
      size_t e = dims.find_first_not_of("0123456789", q);
      shape.push_back(std::stoll(dims.substr(q, e - q)));
      p = e;
    }
    expected[official] = Shape(shape);
    size_t bracket = hf_key.find('[');
    if (bracket != std::string::npos) {  // "point_embed.weight[i]": rows of one HF tensor
      hf_key = hf_key.substr(0, bracket);
      int64_t rows = hf.count(hf_key) ? hf[hf_key].size(0) + 1 : 1;
      hf[hf_key] = Tensor::zeros({rows, shape.back()});
    } else {
      hf[hf_key] = Tensor::zeros(Shape(shape));
    }
  }
  // HF's duplicate of the prompt encoder's matrix, which has no official counterpart.
  hf["tracker_model.shared_image_embedding.positional_embedding"] = Tensor::zeros({2, 128});
  std::map<std::string, Tensor> out = hf_to_official(hf, "test");
  EXPECT_EQ(out.size(), expected.size());
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(out.count(name)) << "not produced: " << name;
    EXPECT_EQ(out[name].shape(), shape) << name;
  }
}

}  // namespace
}  // namespace sam3rt
