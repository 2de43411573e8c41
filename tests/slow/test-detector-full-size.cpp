// The text encoder and the grounding stages at the released configuration (d 256, 72×72 grid,
// 200 queries, 32-token text, 24 text layers) with seeded random weights and random backbone
// features: shapes, finiteness, and the per-prompt CPU time (printed).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "common/test-util.h"
#include "core/thread-pool.h"
#include "io/random-weights.h"
#include "io/weight-specs.h"
#include "model/grounding-head.h"
#include "model/text-encoder.h"

namespace sam3rt::test {
namespace {

bool all_finite(const Tensor& t) {
  for (float v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

TEST(DetectorFullSize, TextAndGroundingRunAtReleasedSize) {
  const Sam3Config cfg = Sam3Config::released();
  // Only the text encoder and detector weights (the ViT's 3 GB are not needed here).
  // Optional ones (point projections) included.
  WeightStore w;
  for (const WeightSpec& spec : image_weight_specs(cfg))
    if (spec.name.find("vision_backbone") == std::string::npos)
      w.set(spec.name, random_weight(cfg, spec, 7));
  const TextEncoder text_encoder(cfg, w);
  const GroundingHead head(cfg, w);

  const int64_t d = cfg.d_model, g = cfg.grid_size();
  BackboneFeatures image;
  for (int i = 0; i < 3; ++i) {
    const int64_t s = g * (4 >> i);
    image.fpn.push_back(random_tensor({1, d, s, s}, 100 + i));
    image.pos.push_back(random_tensor({1, d, s, s}, 200 + i));
  }
  std::vector<int32_t> ids(cfg.text_context, 0);
  ids[0] = 49406, ids[1] = 7195, ids[2] = 49407;  // "visual" in the CLIP vocabulary

  const auto t0 = std::chrono::steady_clock::now();
  const TextFeatures text = text_encoder.forward(Tensor::from_vector_i32({1, cfg.text_context}, ids));
  const auto t1 = std::chrono::steady_clock::now();
  const GroundingOutput out = head.forward(image, text, {{0.5f, 0.5f, 0.3f, 0.4f, true}});
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("[full-size] text encoder %.2f s, grounding (1 box) %.2f s on %d threads\n",
              std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
              num_threads());

  EXPECT_EQ(text.features.shape(), Shape({cfg.text_context, 1, d}));
  EXPECT_EQ(out.pred_logits.shape(), Shape({1, cfg.num_queries, 1}));
  EXPECT_EQ(out.pred_boxes.shape(), Shape({1, cfg.num_queries, 4}));
  EXPECT_EQ(out.presence_logit.shape(), Shape({1, 1}));
  EXPECT_EQ(out.pred_masks.shape(), Shape({1, cfg.num_queries, 4 * g, 4 * g}));
  EXPECT_EQ(out.semantic_seg.shape(), Shape({1, 1, 4 * g, 4 * g}));
  EXPECT_TRUE(all_finite(out.pred_logits));
  EXPECT_TRUE(all_finite(out.pred_boxes));
  EXPECT_TRUE(all_finite(out.pred_masks));
}

}  // namespace
}  // namespace sam3rt::test
