// Hand-computed values for attention, RoPE, resampling (interpolate, RoIAlign, grid_sample) and the
// reductions/gathers.
#include <cmath>
#include <limits>

#include "ops/ops.h"
#include "ops/ops-test-util.h"

using namespace sam3rt;
using test::expect_values;

namespace {
const float kS1 = 0.26894142f, kS2 = 0.73105858f;  // softmax([0, 1])
}

TEST(OpsRef, AttentionSmall) {
  // one head: logits row 0 = [1, 2], row 1 = [0, 0]
  Tensor q = test::t({1, 1, 2, 1}, {1, 0});
  Tensor k = test::t({1, 1, 2, 1}, {1, 2});
  Tensor v = test::t({1, 1, 2, 2}, {1, 0, 0, 1});
  expect_values(ops::attention(q, k, v, Tensor(), Tensor(), 1.f), {1, 1, 2, 2}, {kS1, kS2, 0.5f, 0.5f});
  // scale 0.5 halves the logits: row 0 = [0.5, 1]
  expect_values(ops::attention(q, k, v, Tensor(), Tensor(), 0.5f), {1, 1, 2, 2},
                {0.37754067f, 0.62245933f, 0.5f, 0.5f});
  // padding key 1 leaves only key 0
  expect_values(ops::attention(q, k, v, test::u8({1, 2}, {0, 1}), Tensor(), 1.f), {1, 1, 2, 2}, {1, 0, 1, 0});
}

TEST(OpsRef, AttentionPerHeadBiasAndMaskedRows) {
  // two heads share q/k/v; head 1 gets bias [1, 0] on every query → row 0 = [2, 2], row 1 = [1, 0]
  Tensor q = test::t({1, 2, 2, 1}, {1, 0, 1, 0});
  Tensor k = test::t({1, 2, 2, 1}, {1, 2, 1, 2});
  Tensor v = test::t({1, 2, 2, 2}, {1, 0, 0, 1, 1, 0, 0, 1});
  Tensor bias = test::t({2, 1, 2}, {0, 0, 1, 0});  // broadcasts to [1, 2, 2, 2]
  expect_values(ops::attention(q, k, v, Tensor(), bias, 1.f), {1, 2, 2, 2},
                {kS1, kS2, 0.5f, 0.5f, 0.5f, 0.5f, kS2, kS1});
  // batch 1 has every key padded → zeros; −∞ bias on a whole row → zeros too
  Tensor q2 = test::t({2, 1, 1, 1}, {1, 1});
  Tensor k2 = test::t({2, 1, 2, 1}, {1, 2, 1, 2});
  Tensor v2 = test::t({2, 1, 2, 2}, {1, 0, 0, 1, 3, 4, 5, 6});
  expect_values(ops::attention(q2, k2, v2, test::u8({2, 2}, {0, 0, 1, 1}), Tensor(), 1.f), {2, 1, 1, 2},
                {kS1, kS2, 0, 0});
  const float inf = std::numeric_limits<float>::infinity();
  Tensor b2 = test::t({2, 1, 1, 2}, {0, 0, -inf, -inf});
  expect_values(ops::attention(q2, k2, v2, Tensor(), b2, 1.f), {2, 1, 1, 2}, {kS1, kS2, 0, 0});
  EXPECT_THROW(ops::attention(q, k, v, test::u8({1, 3}, {0, 0, 0}), Tensor(), 1.f), Error);
}

TEST(OpsRef, AxialRopeTableMatchesSpecFormulas) {
  // dim 8 → 2 frequencies f_j = 10000^(−4j/8) = {1, 0.01}; grid 3 (x) × 2 (y); scale 0.5
  const int dim = 8, end_x = 3, end_y = 2;
  Tensor tab = ops::axial_rope_table(dim, end_x, end_y, 10000.f, 0.5f);
  ASSERT_EQ(tab.shape(), Shape({6, 4, 2}));
  for (int t = 0; t < end_x * end_y; ++t)
    for (int j = 0; j < dim / 2; ++j) {
      const double f = std::pow(10000.0, -4.0 * (j % 2) / dim);
      const double pos = j < 2 ? (t % end_x) * 0.5 : (t / end_x) * 0.5;
      EXPECT_NEAR(tab.item_at({t, j, 0}), std::cos(pos * f), 1e-6) << t << "," << j;
      EXPECT_NEAR(tab.item_at({t, j, 1}), std::sin(pos * f), 1e-6) << t << "," << j;
    }
  // token 5 = (x 2, y 1) → x 1.0, y 0.5: pair 0 angle 1.0, pair 1 0.01, pair 2 0.5, pair 3 0.005
  EXPECT_NEAR(tab.item_at({5, 0, 0}), 0.54030231f, 1e-6);
  EXPECT_NEAR(tab.item_at({5, 1, 1}), 0.00999983f, 1e-6);
  EXPECT_NEAR(tab.item_at({5, 2, 1}), 0.47942554f, 1e-6);
  EXPECT_NEAR(tab.item_at({5, 3, 0}), 0.99998750f, 1e-6);
}

TEST(OpsRef, ApplyRope) {
  // dim 4: pair 0 rotates by x, pair 1 by y; token 1 sits at x=1, y=0
  Tensor tab = ops::axial_rope_table(4, 2, 1, 10000.f, 1.f);
  Tensor x = test::t({1, 1, 2, 4}, {1, 0, 2, 3, 0, 1, 2, 3});
  expect_values(ops::apply_rope(x, tab), {1, 1, 2, 4}, {1, 0, 2, 3, -0.84147098f, 0.54030231f, 2, 3});
  Tensor x1 = test::t({1, 1, 2, 4}, {0, 0, 0, 0, 1, 0, 2, 3});
  expect_values(ops::apply_rope(x1, tab), {1, 1, 2, 4}, {0, 0, 0, 0, 0.54030231f, 0.84147098f, 2, 3});
}

TEST(OpsRef, InterpolateNearest) {
  Tensor x = test::t({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(ops::interpolate_nearest(x, 4, 2), {1, 1, 4, 2}, {1, 2, 1, 2, 4, 5, 4, 5});
  expect_values(ops::interpolate_nearest(x, 2, 6), {1, 1, 2, 6}, {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6});
}

TEST(OpsRef, InterpolateBilinear) {
  // a linear field x + 2y is reproduced exactly; edges clamp (src < 0 → 0, last index repeats)
  Tensor x = test::t({1, 1, 2, 2}, {0, 1, 2, 3});
  const float s[4] = {0, 0.25f, 0.75f, 1};
  std::vector<float> want;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) want.push_back(s[j] + 2 * s[i]);
  expect_values(ops::interpolate_bilinear(x, 4, 4), {1, 1, 4, 4}, want);
  // downscale without antialiasing samples at 0.5 and 2.5
  expect_values(ops::interpolate_bilinear(test::t({1, 1, 1, 4}, {0, 1, 2, 3}), 1, 2), {1, 1, 1, 2}, {0.5f, 2.5f});
}

TEST(OpsRef, RoiAlignTorchvisionSemantics) {
  // 4×4 map v(y, x) = x + 4y: bilinear samples of a linear field are exact inside the map
  std::vector<float> vals(16);
  for (int i = 0; i < 16; ++i) vals[i] = static_cast<float>(i);
  Tensor x = test::t({1, 1, 4, 4}, vals);
  // 2×2 bins of size 1, adaptive grid ⌈2/2⌉ = 1: samples at (1,1), (1,2), (2,1), (2,2)
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, 0.5f, 0.5f, 2.5f, 2.5f}), 2, 2, 1.f, -1, false),
                {1, 1, 2, 2}, {5, 6, 9, 10});
  // partly outside, top-left: 3×3 samples at −1.5, −0.5, 0.5 per axis; y or x < −1 contributes 0,
  // −0.5 clamps to 0 → (v(0,0) + v(0,.5) + v(.5,0) + v(.5,.5)) / 9 = (0 + .5 + 2 + 2.5) / 9
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, -2, -2, 1, 1}), 1, 1, 1.f, -1, false), {1, 1, 1, 1},
                {5.f / 9.f});
  // partly outside, bottom-right: samples at 3, 4, 5 per axis; 4 (= size) clamps to the last
  // pixel, 5 (> size) contributes 0 → 4·v(3,3) / 9
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, 2.5f, 2.5f, 5.5f, 5.5f}), 1, 1, 1.f, -1, false),
                {1, 1, 1, 1}, {60.f / 9.f}, 1e-5f);
  // tiny RoI: width/height clamp to 1 (aligned=False) → one sample at (1.5, 1.5)
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, 1, 1, 1.2f, 1.2f}), 1, 1, 1.f, -1, false), {1, 1, 1, 1},
                {7.5f});
  // spatial_scale and a fixed sampling ratio: box (2,2)-(6,6) × 0.5 = (1,1)-(3,3), 2×2 samples at 1.5, 2.5
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, 2, 2, 6, 6}), 1, 1, 0.5f, 2, false), {1, 1, 1, 1}, {10.f});
  // aligned=True shifts by −0.5: (1,1)-(3,3) → (0.5,0.5)-(2.5,2.5), 2×2 samples at 1, 2
  expect_values(ops::roi_align(x, test::t({1, 5}, {0, 1, 1, 3, 3}), 1, 1, 1.f, -1, true), {1, 1, 1, 1}, {7.5f});
  EXPECT_THROW(ops::roi_align(x, test::t({1, 5}, {1, 0, 0, 1, 1}), 1, 1, 1.f, -1, false), Error);
}

TEST(OpsRef, GridSampleBilinearZeros) {
  Tensor x = test::t({1, 1, 2, 2}, {1, 2, 3, 4});
  // (0,0) → centre; (−1,−1) → pixel (−0.5,−0.5): only v(0,0) with weight 1/4;
  // (1,1) → v(1,1)/4; (0.5, −1) → x = 1.0, y = −0.5: v(0,1)/2
  Tensor grid = test::t({1, 1, 4, 2}, {0, 0, -1, -1, 1, 1, 0.5f, -1});
  expect_values(ops::grid_sample(x, grid), {1, 1, 1, 4}, {2.5f, 0.25f, 1.f, 1.f});
}

TEST(OpsRef, MaskedMean) {
  Tensor x = test::t({2, 3, 2}, {1, 2, 10, 20, 3, 4, 5, 6, 7, 8, 9, 10});
  expect_values(ops::masked_mean(x, test::u8({2, 3}, {0, 1, 0, 1, 1, 1})), {2, 2}, {2, 3, 0, 0});
}

TEST(OpsRef, ConcatSplitEmbedding) {
  Tensor a = test::t({1, 2}, {1, 2}), b = test::t({1, 3}, {3, 4, 5});
  Tensor c = ops::concat({a, b}, -1);
  expect_values(c, {1, 5}, {1, 2, 3, 4, 5});
  expect_values(ops::concat({a, a.transpose(0, 1).transpose(0, 1)}, 0), {2, 2}, {1, 2, 1, 2});
  std::vector<Tensor> parts = ops::split(c, {1, 4}, 1);
  ASSERT_EQ(parts.size(), 2u);
  expect_values(parts[1], {1, 4}, {2, 3, 4, 5});
  EXPECT_EQ(parts[1].storage(), c.storage());
  EXPECT_THROW(ops::split(c, {1, 1}, 1), Error);
  Tensor w = test::t({3, 2}, {0, 1, 10, 11, 20, 21});
  expect_values(ops::embedding(w, Tensor::from_vector_i32({2, 2}, {2, 0, 1, 2})), {2, 2, 2},
                {20, 21, 0, 1, 10, 11, 20, 21});
  EXPECT_THROW(ops::embedding(w, Tensor::from_vector_i32({1}, {3})), Error);
  EXPECT_THROW(ops::embedding(w, Tensor::from_vector_i32({1}, {-1})), Error);
}
