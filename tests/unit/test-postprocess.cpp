// Post-processing alone against the fixtures: feed each case's raw.* tensors (the reference's
// model outputs) and compare with its out.* tensors (the reference's Sam3Processor outputs,
// threshold 0, all queries, query order).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test-util.h"
#include "io/safetensors.h"
#include "pipeline/postprocess.h"

using namespace sam3rt;
using namespace sam3rt::pipeline;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(test::data_dir() + "/sam3-tiny/cases"))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

GroundingOutput raw_outputs(const std::map<std::string, Tensor>& t) {
  GroundingOutput out;
  out.pred_logits = t.at("raw.pred_logits");
  out.pred_boxes = t.at("raw.pred_boxes");
  out.pred_boxes_xyxy = t.at("raw.pred_boxes_xyxy");
  out.presence_logit = t.at("raw.presence_logit_dec");
  out.pred_masks = t.at("raw.pred_masks");
  out.semantic_seg = t.at("raw.semantic_seg");
  return out;
}

}  // namespace

TEST(Postprocess, MatchesReferenceOnEveryFixtureCase) {
  const auto names = case_names();
  ASSERT_FALSE(names.empty());
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::string base = test::data_dir() + "/sam3-tiny/cases/" + name;
    const std::string tensors = test::data_dir() + "/sam3-tiny-fp32/cases/" + name;
    nlohmann::json meta = nlohmann::json::parse(std::ifstream(base + ".json"));
    const int width = meta["original_size_wh"][0], height = meta["original_size_wh"][1];
    auto t = load_safetensors(tensors + ".safetensors");
    Detections det = postprocess(raw_outputs(t), width, height, 0.f);

    const std::vector<float> ref_scores = t.at("out.scores").to_vector();
    const std::vector<float> ref_boxes = t.at("out.boxes_xyxy").to_vector();
    const Tensor& ref_masks = t.at("out.masks");  // [Q, 1, H, W] u8
    const Tensor& ref_probs = t.at("out.mask_probs_f16");
    ASSERT_EQ(det.instances.size(), ref_scores.size()) << "every fixture score is > 0";
    for (size_t i = 1; i < det.instances.size(); ++i)
      EXPECT_GE(det.instances[i - 1].score, det.instances[i].score) << "sorted by score, descending";
    for (const Instance& inst : det.instances) {
      const int q = inst.query;
      EXPECT_NEAR(inst.score, ref_scores[q], 1e-5) << "query " << q;
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(inst.box_xyxy[k], ref_boxes[q * 4 + k], 1e-3) << "query " << q;
      ASSERT_EQ(inst.mask.shape(), Shape({height, width}));
      const uint8_t* mine = inst.mask.data<uint8_t>();
      Tensor ref = ref_masks.select(0, q).select(0, 0).contiguous();
      Tensor probs = ref_probs.select(0, q).select(0, 0).to(DType::kF32).contiguous();
      int64_t agree = 0, differ_off_boundary = 0;
      for (int64_t p = 0; p < ref.numel(); ++p) {
        if ((mine[p] != 0) == (ref.data<uint8_t>()[p] != 0)) {
          ++agree;
        } else if (std::fabs(probs.data<float>()[p] - 0.5f) > 1e-3f) {
          ++differ_off_boundary;  // a flip where the reference was not on the fence
        }
      }
      EXPECT_GE(static_cast<double>(agree) / ref.numel(), 0.999) << "query " << q;
      EXPECT_EQ(differ_off_boundary, 0) << "query " << q;
    }
  }
}

TEST(Postprocess, ThresholdIsStrictAndScoresCombinePresence) {
  const std::string base = test::data_dir() + "/sam3-tiny-fp32/cases/text_person";
  auto t = load_safetensors(base + ".safetensors");
  GroundingOutput out = raw_outputs(t);
  const std::vector<float> scores = instance_scores(out.pred_logits, out.presence_logit);
  // σ(logit)·σ(presence), recomputed in double.
  const double presence = 1.0 / (1.0 + std::exp(-static_cast<double>(out.presence_logit.item())));
  const std::vector<float> logits = out.pred_logits.to_vector();
  for (size_t q = 0; q < scores.size(); ++q)
    EXPECT_NEAR(scores[q], presence / (1.0 + std::exp(-static_cast<double>(logits[q]))), 1e-6);
  // A threshold equal to a score drops that query (score > threshold, strict).
  std::vector<float> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  const float mid = sorted[sorted.size() / 2];
  Detections det = postprocess(out, 96, 64, mid);
  size_t expected = std::count_if(scores.begin(), scores.end(), [&](float s) { return s > mid; });
  EXPECT_EQ(det.instances.size(), expected);
  for (const Instance& inst : det.instances) EXPECT_GT(inst.score, mid);
  EXPECT_NEAR(det.presence, presence, 1e-6);
  // Threshold 1 keeps nothing (a score is a product of two sigmoids < 1).
  EXPECT_TRUE(postprocess(out, 96, 64, 1.f).instances.empty());
}

TEST(Postprocess, RefusesBadArguments) {
  auto t = load_safetensors(test::data_dir() + "/sam3-tiny-fp32/cases/text_person.safetensors");
  GroundingOutput out = raw_outputs(t);
  EXPECT_THROW(postprocess(out, 96, 64, -0.1f), Error);
  EXPECT_THROW(postprocess(out, 96, 64, 1.5f), Error);
  EXPECT_THROW(postprocess(out, 96, 64, NAN), Error);
  EXPECT_THROW(postprocess(out, 0, 64, 0.5f), Error);
  out.pred_boxes = out.pred_boxes.slice(1, 0, 3);
  EXPECT_THROW(postprocess(out, 96, 64, 0.5f), Error);
}

TEST(Postprocess, UpsampleMaskMatchesBilinearByHand) {
  // 2×2 logits → 4×4, align_corners=False: src = (dst + 0.5)/2 − 0.5 clamped to [0, 1], i.e.
  // source positions 0, 0.25, 0.75, 1 along both axes.
  // Rows interpolated along x: [−1, 2] → −1, −0.25, 1.25, 2;  [2.5, −3.5] → 2.5, 1, −2, −3.5.
  // Along y: row 1 = 0.75·r0 + 0.25·r1 = −0.125, 0.0625, 0.4375, 0.625;
  //          row 2 = 0.25·r0 + 0.75·r1 = 1.625, 0.6875, −1.1875, −2.125.
  Tensor logits = Tensor::from_vector({2, 2}, {-1.f, 2.f, 2.5f, -3.5f});
  Tensor m = upsample_mask(logits, 4, 4);
  const std::vector<uint8_t> expected = {0, 0, 1, 1,  //
                                         0, 1, 1, 1,  //
                                         1, 1, 0, 0,  //
                                         1, 1, 0, 0};
  std::vector<uint8_t> got(m.data<uint8_t>(), m.data<uint8_t>() + 16);
  EXPECT_EQ(got, expected);
  // Non-square target: width 3, height 1. y source (0 + 0.5)·2 − 0.5 = 0.5 averages the rows:
  // [−1, 2] and [2.5, −2.5] → [0.75, −0.25]; x sources −1/6 → 0, 0.5, 7/6 → 1 give
  // 0.75, 0.25, −0.25 → 1, 1, 0.
  Tensor m2 = upsample_mask(Tensor::from_vector({2, 2}, {-1.f, 2.f, 2.5f, -2.5f}), 3, 1);
  EXPECT_EQ(std::vector<uint8_t>(m2.data<uint8_t>(), m2.data<uint8_t>() + 3),
            (std::vector<uint8_t>{1, 1, 0}));
}
