#include "common/video-fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "io/safetensors.h"
#include "model/sam3-image.h"
#include "model/sam3-tracker.h"
#include "pipeline/preprocess.h"
#include "pipeline/video-tracker.h"

namespace sam3rt::test {

std::string tiny_video_dir() { return data_dir() + "/sam3-tiny-video"; }

std::vector<std::string> video_session_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(tiny_video_dir() + "/sessions"))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::shared_ptr<const Sam3ImageModel> tiny_video_model(Device device) {
  static std::mutex mutex;
  static std::shared_ptr<const LoadedModel> loaded;
  static std::map<std::string, std::shared_ptr<const Sam3ImageModel>> models;
  std::lock_guard<std::mutex> lock(mutex);
  if (!loaded) {
    LoadOptions options;
    options.config_path = tiny_video_dir() + "/model/sam3-tiny-video.config.json";
    options.tokenizer_path = tiny_dir() + "/model/tiny-bpe.txt.gz";
    loaded = std::make_shared<const LoadedModel>(
        load_model(tiny_video_dir() + "/model/sam3-tiny-video.pt", options));
  }
  auto& m = models[device.str()];
  if (!m) m = std::make_shared<const Sam3ImageModel>(loaded, device);
  return m;
}

std::string tiny_video_frame_path(int f) {
  char name[32];
  std::snprintf(name, sizeof name, "/frames/%05d.png", f);
  return tiny_video_dir() + name;
}

namespace {

Tensor positive_u8(const Tensor& logits) {
  const Tensor host = logits.to(Device::cpu()).contiguous();
  Tensor out = Tensor::empty(host.shape(), DType::kU8);
  for (int64_t i = 0; i < host.numel(); ++i) out.data<uint8_t>()[i] = host.data<float>()[i] > 0.f ? 1 : 0;
  return out;
}

}  // namespace

VideoSessionRun run_video_session(const std::string& name, Device device) {
  VideoSessionRun run;
  const std::string base = tiny_video_dir() + "/sessions/" + name;
  run.manifest = nlohmann::json::parse(std::ifstream(base + ".json"));
  run.reference = load_safetensors(base + ".safetensors");
  const auto model = tiny_video_model(device);
  TrackerOptions options;
  options.use_memory_selection = run.manifest.at("use_memory_selection").get<bool>();
  const Sam3Tracker tracker(model->config(), model->weights(), options);
  EXPECT_EQ(model->weights().device(), device) << "the model's weights are not on the session's device";
  EXPECT_EQ(tracker.device(), device) << "the tracker's weights are not on the session's device";
  const int S = model->config().image_size;
  auto provider = [&](int f) {
    const Tensor pixels = preprocess_image(decode_image_file(tiny_video_frame_path(f)), S);
    return tracker.encode_frame(model->encode_image(pixels).trunk);
  };
  const int W = run.manifest["video_size_wh"][0], H = run.manifest["video_size_wh"][1];
  pipeline::VideoTracker video(tracker, provider, run.manifest.at("num_frames").get<int>(), W, H);
  const auto& ops = run.manifest.at("ops");
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    const std::string prefix = "op" + std::to_string(i);
    video.set_dump(&run.ours, prefix);
    const std::string kind = op.at("op");
    if (kind == "add_points") {
      std::vector<pipeline::VideoClick> clicks;
      if (op.contains("points") && !op["points"].is_null())
        for (size_t k = 0; k < op["points"].size(); ++k)
          clicks.push_back(
              {op["points"][k][0].get<float>(), op["points"][k][1].get<float>(), op["labels"][k].get<int>()});
      std::optional<std::array<float, 4>> box;
      if (op.contains("box") && !op["box"].is_null())
        box = std::array<float, 4>{op["box"][0], op["box"][1], op["box"][2], op["box"][3]};
      run.ours[prefix + ".out.video_masks"] =
          positive_u8(video.add_points(op["frame"], op["obj_id"], clicks, box));
    } else if (kind == "add_mask") {
      const Image png = decode_image_file(tiny_video_dir() + "/" + op.at("mask_file").get<std::string>());
      Tensor mask = Tensor::empty({png.height, png.width});
      for (int64_t p = 0; p < mask.numel(); ++p)
        mask.data<float>()[p] = png.rgb[static_cast<size_t>(p) * 3] > 127 ? 1.f : 0.f;
      run.ours[prefix + ".out.video_masks"] = positive_u8(video.add_mask(op["frame"], op["obj_id"], mask));
    } else {
      std::optional<int> start, max_frames;
      if (!op["start"].is_null()) start = op["start"].get<int>();
      if (!op["max_frames"].is_null()) max_frames = op["max_frames"].get<int>();
      video.propagate(start, max_frames, op["reverse"].get<bool>(), [&](const pipeline::TrackedFrame& t) {
        run.yielded[static_cast<int>(i)].push_back(t.frame);
        const std::string f = prefix + ".f" + std::to_string(t.frame) + ".out.";
        run.ours[f + "low_res_masks"] = t.low_res_masks;
        run.ours[f + "video_masks"] = positive_u8(t.video_res_masks);
        run.ours[f + "object_score_logits"] = t.object_score_logits;
      });
      EXPECT_EQ(run.yielded[static_cast<int>(i)], op.at("yielded_frames").get<std::vector<int>>()) << prefix;
    }
    EXPECT_EQ(video.object_ids(), op.at("obj_ids").get<std::vector<int>>()) << prefix;
  }
  return run;
}

double expect_video_session_matches(const VideoSessionRun& run, double rel_tol, const std::string& label) {
  double worst = 0, worst_mask = 1;
  std::string worst_name;
  int compared = 0;
  for (const auto& [name, ref] : run.reference) {
    auto it = run.ours.find(name);
    if (it == run.ours.end()) {
      ADD_FAILURE() << "not computed: " << name << " " << ref.shape().str();
      continue;
    }
    const Tensor ours = it->second.to(Device::cpu());
    if (ours.shape() != ref.shape()) {
      ADD_FAILURE() << name << ": shape " << ours.shape().str() << ", reference " << ref.shape().str();
      continue;
    }
    ++compared;
    if (ref.dtype() == DType::kU8) {
      const Tensor a = ours.contiguous(), b = ref.contiguous();
      int64_t same = 0;
      for (int64_t i = 0; i < a.numel(); ++i) same += a.data<uint8_t>()[i] == b.data<uint8_t>()[i];
      const double agree = a.numel() ? static_cast<double>(same) / static_cast<double>(a.numel()) : 1.0;
      worst_mask = std::min(worst_mask, agree);
      EXPECT_GE(agree, 0.999) << name << ": masks agree on " << agree * 100 << "% of pixels";
    } else if (ref.dtype() == DType::kI32) {
      EXPECT_EQ(ours.to_vector(), ref.to_vector()) << name;
    } else {
      const double rel = expect_close(name, ours, ref, rel_tol);
      if (rel > worst) {
        worst = rel;
        worst_name = name;
      }
    }
  }
  std::printf("[%s] %d tensors compared, worst relative error %.3g (%s), worst mask agreement %.5f%%\n",
              label.c_str(), compared, worst, worst_name.c_str(), worst_mask * 100);
  return worst;
}

}  // namespace sam3rt::test
