#include "common/sam3-fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>

#include "common/test-util.h"
#include "io/model-loader.h"
#include "io/safetensors.h"

namespace sam3rt::test {

std::string tiny_dir() { return data_dir() + "/sam3-tiny"; }
std::string tiny_fp32_dir() { return data_dir() + "/sam3-tiny-fp32"; }

std::shared_ptr<const LoadedModel> load_tiny_model() {
  static std::mutex mutex;
  static std::shared_ptr<const LoadedModel> model;
  std::lock_guard<std::mutex> lock(mutex);
  if (!model) {
    const std::string dir = tiny_dir() + "/model";
    LoadOptions options;
    options.config_path = dir + "/sam3-tiny.config.json";
    options.tokenizer_path = dir + "/tiny-bpe.txt.gz";
    model = std::make_shared<const LoadedModel>(load_model(dir + "/sam3-tiny.pt", options));
  }
  return model;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(tiny_dir() + "/cases"))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

const Tensor& FixtureCase::get(const std::string& tensor) const {
  auto it = tensors.find(tensor);
  SAM3RT_CHECK(it != tensors.end(), kFormat, "fixture case '", name, "' has no tensor '", tensor, "'");
  return it->second;
}

FixtureCase load_case(const std::string& name, Reference reference) {
  FixtureCase c;
  c.name = name;
  const std::string base = tiny_dir() + "/cases/" + name;
  std::ifstream f(base + ".json");
  SAM3RT_CHECK(f.good(), kIo, "cannot open fixture case '", base, ".json'");
  c.meta = nlohmann::json::parse(f);
  const std::string tensors_dir = reference == Reference::kFp32 ? tiny_fp32_dir() : tiny_dir();
  c.tensors = load_safetensors(tensors_dir + "/cases/" + name + ".safetensors");
  return c;
}

double expect_close(const std::string& name, const Tensor& ours, const Tensor& ref, double rel_tol) {
  if (ours.shape() != ref.shape()) {
    ADD_FAILURE() << name << ": shape " << ours.shape().str() << ", reference " << ref.shape().str();
    return std::numeric_limits<double>::infinity();
  }
  const double rel = rel_error(ours, ref);
  // NaN fails the comparison too.
  if (!(rel <= rel_tol)) {
    ADD_FAILURE() << name << ": relative error " << rel << " > " << rel_tol << " (max abs diff "
                  << max_abs_diff(ours, ref) << ", " << ref.shape().str() << ")";
  }
  return rel;
}

std::vector<BoxPrompt> case_boxes(const FixtureCase& c) {
  std::vector<BoxPrompt> boxes;
  for (const auto& b : c.meta.at("boxes")) {
    const auto& v = b.at(0);
    boxes.push_back({v.at(0).get<float>(), v.at(1).get<float>(), v.at(2).get<float>(), v.at(3).get<float>(),
                     b.at(1).get<bool>()});
  }
  return boxes;
}

std::vector<std::string> backbone_tensor_names(const Sam3Config& cfg) {
  std::vector<std::string> names = {"vit.patch_embed", "vit.ln_pre"};
  for (int i = 0; i < cfg.vit_depth; ++i) names.push_back("vit.blocks." + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    names.push_back("backbone.fpn." + std::to_string(i));
    names.push_back("backbone.pos." + std::to_string(i));
  }
  return names;
}

std::vector<std::string> grounding_tensor_names(const Sam3Config& cfg) {
  std::vector<std::string> names = {"geometry_encoder.0", "geometry_encoder.1"};
  for (int i = 0; i < cfg.encoder_layers; ++i) names.push_back("encoder.layers." + std::to_string(i));
  for (int i = 0; i < cfg.decoder_layers; ++i) {
    names.push_back("decoder.layers." + std::to_string(i) + ".0");
    names.push_back("decoder.layers." + std::to_string(i) + ".1");
  }
  for (const char* n : {"raw.pred_logits", "raw.pred_boxes", "raw.pred_boxes_xyxy", "raw.presence_logit_dec",
                        "raw.pred_masks", "raw.semantic_seg", "segmentation_head.pred_masks",
                        "segmentation_head.semantic_seg"})
    names.push_back(n);
  return names;
}

}  // namespace sam3rt::test
