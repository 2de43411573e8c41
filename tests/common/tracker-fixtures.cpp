#include "common/tracker-fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "common/test-util.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "io/safetensors.h"
#include "model/sam3-image.h"
#include "parity/reference-precision.h"
#include "text/clip-tokenizer.h"

namespace sam3rt::test {

std::string tiny_tracker_dir() { return data_dir() + "/sam3-tiny-tracker"; }

std::shared_ptr<const LoadedModel> load_tiny_tracker_model() {
  static std::mutex mutex;
  static std::shared_ptr<const LoadedModel> model;
  std::lock_guard<std::mutex> lock(mutex);
  if (!model) {
    LoadOptions options;
    options.config_path = tiny_tracker_dir() + "/model/sam3-tiny-tracker.config.json";
    options.tokenizer_path = tiny_dir() + "/model/tiny-bpe.txt.gz";
    model = std::make_shared<const LoadedModel>(load_model(tiny_tracker_dir() + "/model/sam3-tiny-tracker.pt", options));
  }
  return model;
}

std::vector<std::string> tracker_case_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(tiny_tracker_dir() + "/cases"))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

FixtureCase load_tracker_case(const std::string& name) {
  FixtureCase c;
  c.name = name;
  const std::string base = tiny_tracker_dir() + "/cases/" + name;
  std::ifstream f(base + ".json");
  SAM3RT_CHECK(f.good(), kIo, "cannot open fixture case '", base, ".json'");
  c.meta = nlohmann::json::parse(f);
  c.tensors = load_safetensors(base + ".safetensors");
  return c;
}

pipeline::ImageSession& tiny_tracker_session(Device device) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<pipeline::ImageSession>> sessions;
  std::lock_guard<std::mutex> lock(mutex);
  auto& s = sessions[device.str()];
  if (!s) {
    auto m = load_tiny_tracker_model();
    s = std::make_unique<pipeline::ImageSession>(std::make_shared<const Sam3ImageModel>(m, device),
                                                 std::make_shared<const ClipTokenizer>(m->bpe_merges, m->config.bpe_merges));
  }
  return *s;
}

pipeline::ClickPrompt case_click_prompt(const FixtureCase& c) {
  pipeline::ClickPrompt p;
  if (!c.meta.at("points").is_null())
    for (size_t i = 0; i < c.meta.at("points").size(); ++i)
      p.points.push_back({c.meta["points"][i][0].get<float>(), c.meta["points"][i][1].get<float>(),
                          c.meta["labels"][i].get<int>()});
  if (!c.meta.at("box").is_null()) {
    const auto& b = c.meta.at("box");
    p.box = std::array<float, 4>{b[0].get<float>(), b[1].get<float>(), b[2].get<float>(), b[3].get<float>()};
  }
  if (c.has("input.mask_input")) p.mask_input = c.get("input.mask_input");
  p.multimask = c.meta.at("multimask").get<bool>();
  return p;
}

const TensorDump& run_click_case_with_dump(pipeline::ImageSession& session, const FixtureCase& c) {
  session.enable_dump(true);
  session.set_image(decode_image_file(data_dir() + "/" + c.meta.at("image").get<std::string>()));
  session.click(case_click_prompt(c));
  return session.dump();
}

int expect_click_dump_matches_case(const FixtureCase& c, const TensorDump& dump, const char* tag) {
  constexpr double kIouTolAbs = 1e-5, kMaskAgreement = 0.999;
  int checked = 0;
  for (const auto& [name, ref] : c.tensors) {
    SCOPED_TRACE(c.name + ":" + name);
    // The reference's connected-component areas are an internal of its hole filling, whose
    // result out.mask_logits checks; input.mask_input is the case's input itself.
    if (name == "postprocess.component_areas" || name == "input.mask_input") continue;
    const std::optional<Tensor> dumped = dumped_like(dump, name, ref);
    if (!dumped) continue;
    const Tensor& ours = *dumped;
    double measure = 0;
    if (name == "prompt.point_labels") {
      measure = max_abs_diff(ours, ref);
      EXPECT_EQ(measure, 0.0);
    } else if (name == "out.masks") {
      int64_t same = 0;
      const std::vector<float> a = ours.to_vector(), b = ref.to_vector();
      for (size_t i = 0; i < a.size(); ++i) same += (a[i] != 0) == (b[i] != 0);
      measure = static_cast<double>(same) / static_cast<double>(a.size());
      EXPECT_GE(measure, kMaskAgreement);
    } else if (name == "out.iou_predictions") {
      measure = max_abs_diff(ours, ref);
      EXPECT_LE(measure, kIouTolAbs);
    } else {
      measure = expect_close(c.name + ":" + name, ours.to(DType::kF32), ref.to(DType::kF32), kF32Tolerance);
    }
    std::printf("[%s] %-18s %-34s %.3g\n", tag, c.name.c_str(), name.c_str(), measure);
    ++checked;
  }
  return checked;
}

}  // namespace sam3rt::test
