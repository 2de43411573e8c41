// ops::interpolate_bilinear_antialias (PyTorch F.interpolate(bilinear, align_corners=False,
// antialias=True)): hand-computed windows and weights, a float64 oracle of the formula, plain
// bilinear for upsampling, copies for unchanged sizes, and the optimised kernel against the
// reference on random inputs, the tracker's sizes, odd shapes and non-contiguous views.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops-test-util.h"
#include "ops/ops.h"

using namespace sam3rt;
using test::expect_close;
using test::expect_values;
using test::random_tensor;

namespace {

// The window [xmin, xmax) and normalised weights of output index i, straight from the formula in
// float64: s = in/out, support = max(s, 1), centre s·(i + ½), triangle max(0, 1 − |x|) of
// (j + ½ − centre)/support.
std::vector<double> taps_f64(int64_t in, int64_t out, int64_t i, int64_t& xmin) {
  const double s = static_cast<double>(in) / static_cast<double>(out);
  const double support = std::max(s, 1.0), center = s * (static_cast<double>(i) + 0.5);
  xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
  const int64_t xmax = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
  std::vector<double> w;
  double total = 0;
  for (int64_t j = xmin; j < xmax; ++j) {
    w.push_back(std::max(0.0, 1.0 - std::fabs((static_cast<double>(j) + 0.5 - center) / support)));
    total += w.back();
  }
  for (double& v : w) v /= total;
  return w;
}

// x: [B, C, H, W] → [B, C, oh, ow] by the formula in float64 (both axes at once, no intermediate
// rounding); returned as f32.
Tensor resize_f64(const Tensor& x_in, int64_t oh, int64_t ow) {
  const Tensor x = x_in.contiguous();
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const float* xp = x.data<float>();
  std::vector<float> out;
  for (int64_t p = 0; p < P; ++p)
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t ymin = 0;
      const std::vector<double> wy = taps_f64(H, oh, oy, ymin);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t xmin = 0;
        const std::vector<double> wx = taps_f64(W, ow, ox, xmin);
        double acc = 0;
        for (size_t a = 0; a < wy.size(); ++a)
          for (size_t b = 0; b < wx.size(); ++b)
            acc += wy[a] * wx[b] *
                   xp[(p * H + ymin + static_cast<int64_t>(a)) * W + xmin + static_cast<int64_t>(b)];
        out.push_back(static_cast<float>(acc));
      }
    }
  return Tensor::from_vector({x.size(0), x.size(1), oh, ow}, out);
}

// The optimised kernel (through ops::, so the dispatch is covered) against the reference: the same
// f32 operations in the same order, so the same bits.
void expect_matches_reference(const Tensor& x, int oh, int ow) {
  const Tensor got = ops::interpolate_bilinear_antialias(x, oh, ow);
  const Tensor want = cpu::ref::interpolate_bilinear_antialias(x, oh, ow);
  expect_close(got, want);
  EXPECT_EQ(test::max_abs_diff(got, want), 0.0) << x.str() << " → " << oh << "x" << ow;
}

}  // namespace

TEST(InterpolateAntialias, DownscaleByTwoHandComputed) {
  // s = 2, support 2, invscale ½. Output 0: centre 1, window [0, 3), triangle of (j + ½ − 1)/2 =
  // (−¼, ¼, ¾) → (¾, ¾, ¼), normalised by 1.75 → (3, 3, 1)/7. Output 1: centre 3, window [1, 4)
  // (the tap at 4 is outside) → (1, 3, 3)/7. Not (¼, ¾)-style two-tap weights: the filter is
  // widened by the scale and renormalised at the borders.
  const Tensor row = test::t({1, 1, 1, 4}, {1, 2, 4, 8});
  expect_values(ops::interpolate_bilinear_antialias(row, 1, 2), {1, 1, 1, 2}, {13.f / 7, 38.f / 7});
  // the same along the height (a column), and both at once: the weights multiply
  const Tensor col = test::t({1, 1, 4, 1}, {1, 2, 4, 8});
  expect_values(ops::interpolate_bilinear_antialias(col, 2, 1), {1, 1, 2, 1}, {13.f / 7, 38.f / 7});
  const Tensor outer = test::t({1, 1, 4, 4}, {1, 2, 4, 8, 2, 4, 8, 16, 4, 8, 16, 32, 8, 16, 32, 64});
  expect_values(ops::interpolate_bilinear_antialias(outer, 2, 2), {1, 1, 2, 2},
                {13.f / 7 * 13.f / 7, 13.f / 7 * 38.f / 7, 38.f / 7 * 13.f / 7, 38.f / 7 * 38.f / 7}, 1e-5f);
}

TEST(InterpolateAntialias, NonIntegerRatioSevenToThreeHandComputed) {
  // s = 7/3, support 7/3, invscale 3/7.
  // Output 0: centre 7/6, window [0, 3) (⌊7/6 + 7/3 + ½⌋ = 4, but the tap at 3 sits exactly one
  //   support away: weight 0, and the float bound is 3), |j + ½ − 7/6|·3/7 = (2/7, 1/7, 4/7) →
  //   (5, 6, 3)/7, sum 2 → (5, 6, 3)/14.
  // Output 1: centre 7/2, window [1, 6), distances (2, 1, 0, 1, 2)·3/7 → (1, 4, 7, 4, 1)/7 → /17.
  // Output 2: the mirror of output 0: taps 4, 5, 6 with (3, 6, 5)/14.
  const Tensor ramp = test::t({1, 1, 1, 7}, {0, 1, 2, 3, 4, 5, 6});
  // (6 + 6)/14, (1 + 8 + 21 + 16 + 5)/17, (12 + 30 + 30)/14
  expect_values(ops::interpolate_bilinear_antialias(ramp, 1, 3), {1, 1, 1, 3}, {6.f / 7, 3.f, 36.f / 7});
  const Tensor spikes = test::t({1, 1, 1, 7}, {1, 0, 0, 7, 0, 0, 2});
  // (5·1)/14, (7·7)/17, (5·2)/14
  expect_values(ops::interpolate_bilinear_antialias(spikes, 1, 3), {1, 1, 1, 3},
                {5.f / 14, 49.f / 17, 10.f / 14});
  // the same formula in float64, in 2-D, on random data
  const Tensor x = random_tensor({2, 3, 7, 7}, 300);
  expect_close(ops::interpolate_bilinear_antialias(x, 3, 3), resize_f64(x, 3, 3), 1e-6);
}

TEST(InterpolateAntialias, UpsamplingIsPlainBilinear) {
  // s < 1: support 1, so the triangle spans the two neighbours of centre − ½ with the bilinear
  // weights; at the borders the one tap inside is renormalised to 1, which is bilinear's clamp.
  const Tensor x = test::t({1, 1, 2, 2}, {0, 1, 2, 3});
  const float s[4] = {0, 0.25f, 0.75f, 1};
  std::vector<float> want;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) want.push_back(s[j] + 2 * s[i]);
  expect_values(ops::interpolate_bilinear_antialias(x, 4, 4), {1, 1, 4, 4}, want);
  // Equal to ops::interpolate_bilinear up to rounding (the weights are computed differently).
  for (auto [h, w, oh, ow] : {std::array{2, 2, 4, 4}, {5, 7, 13, 20}, {13, 17, 29, 31}, {72, 72, 288, 288}}) {
    const Tensor r = random_tensor({1, 2, h, w}, 301 + h);
    expect_close(ops::interpolate_bilinear_antialias(r, oh, ow), ops::interpolate_bilinear(r, oh, ow), 1e-6);
  }
}

TEST(InterpolateAntialias, CentreIsRoundedToFloatAsInATen) {
  // ATen stores centre = s·(i + ½) in a float; far from 0 its ulp is large and the weights move
  // with it. 288 → 480 (s = 0.6f = 0.60000002384…), output 431: centre 258.90001029 rounds to
  // 258.9000244140625 (ulp 2⁻¹⁵); window [258, 260); distances |258 + ½ − centre| = 0.4000244140625
  // and 0.5999755859375, so the weights are exactly (0.5999755859375, 0.4000244140625) where the
  // exact formula gives (0.6, 0.4). (PyTorch's CUDA kernel fuses the centre into an fma and gets
  // 0.59998971.) At the tracker's video sizes this float rounding puts ATen ~2e-5 (relative) from
  // the exact formula, which is why the float64 check below uses small sizes.
  Tensor row = Tensor::zeros({1, 1, 1, 288});
  row.data<float>()[258] = 1.f;
  EXPECT_EQ(ops::interpolate_bilinear_antialias(row, 1, 480).to_vector()[431], 0.5999755859375f);
  row.data<float>()[258] = 0.f;
  row.data<float>()[259] = 1.f;
  EXPECT_EQ(ops::interpolate_bilinear_antialias(row, 1, 480).to_vector()[431], 0.4000244140625f);
}

TEST(InterpolateAntialias, MatchesFloat64Formula) {
  // odd sizes, both directions, one axis up and the other down, and the tracker's ratios (scaled
  // down so that the float64 oracle stays quick): 288 → 1152 is 4×, 1152 → 288 is ¼, 1008 → 1152
  // is 8/7, video 1080 × 1920 → 288 is 3.75 × 6.67
  struct Case {
    Shape shape;
    int oh, ow;
  };
  for (const Case& c :
       {Case{{2, 3, 13, 17}, 5, 29}, Case{{1, 2, 29, 5}, 13, 17}, Case{{1, 1, 36, 36}, 144, 144},
        Case{{1, 1, 144, 144}, 36, 36}, Case{{1, 1, 63, 63}, 72, 72}, Case{{1, 1, 135, 240}, 36, 36},
        Case{{1, 1, 1, 50}, 1, 1}, Case{{1, 1, 9, 1}, 4, 3}}) {
    const Tensor x = random_tensor(c.shape, 302 + c.oh, -2.f, 3.f);
    expect_close(ops::interpolate_bilinear_antialias(x, c.oh, c.ow), resize_f64(x, c.oh, c.ow), 1e-6);
  }
}

TEST(InterpolateAntialias, SameSizeIsACopy) {
  // ATen's CPU kernel copies when the sizes are equal (with s = 1 the weights are a delta anyway).
  const Tensor x = random_tensor({2, 3, 5, 7}, 310);
  const Tensor y = ops::interpolate_bilinear_antialias(x, 5, 7);
  EXPECT_EQ(test::max_abs_diff(y, x), 0.0);
  EXPECT_NE(y.raw_data(), x.raw_data());
  const Tensor v = random_tensor({2, 5, 7, 3}, 311).permute({0, 3, 1, 2});
  const Tensor yv = ops::interpolate_bilinear_antialias(v, 5, 7);
  EXPECT_TRUE(yv.is_contiguous());
  EXPECT_EQ(test::max_abs_diff(yv, v), 0.0);
}

TEST(InterpolateAntialias, UnchangedAxisIsNotResampled) {
  // Only the width changes: each row is resized on its own and an infinity stays in its row (a pass
  // with delta weights would spread 0·inf = NaN into the neighbouring rows).
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = test::t({1, 1, 3, 4}, {1, 2, 4, 8, inf, 0, 0, 0, 8, 4, 2, 1});
  const std::vector<float> y = ops::interpolate_bilinear_antialias(x, 3, 2).to_vector();
  const std::vector<float> ref = cpu::ref::interpolate_bilinear_antialias(x, 3, 2).to_vector();
  ASSERT_EQ(y.size(), 6u);
  EXPECT_NEAR(y[0], 13.f / 7, 1e-6f);
  EXPECT_NEAR(y[1], 38.f / 7, 1e-6f);
  EXPECT_EQ(y[2], inf);
  EXPECT_EQ(y[3], 0.f);
  EXPECT_NEAR(y[4], 38.f / 7, 1e-6f);
  EXPECT_NEAR(y[5], 13.f / 7, 1e-6f);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_TRUE(y[i] == ref[i] || (std::isnan(y[i]) && std::isnan(ref[i]))) << i;
}

TEST(InterpolateAntialias, OptimisedMatchesReference) {
  const Tensor x = random_tensor({2, 3, 13, 17}, 320, -3.f, 5.f);
  for (auto [oh, ow] : {std::pair{5, 29}, {29, 5}, {13, 5}, {5, 17}, {1, 1}, {13, 17}, {40, 41}, {3, 7}})
    expect_matches_reference(x, oh, ow);
  // the tracker's mask resizes, one channel: 288 → 1152 (4×), 1152 → 288, 1008 → 1152, and a
  // video frame's size → 288
  expect_matches_reference(random_tensor({1, 1, 288, 288}, 321), 1152, 1152);
  expect_matches_reference(random_tensor({1, 1, 1152, 1152}, 322, -20.f, 20.f), 288, 288);
  expect_matches_reference(random_tensor({1, 1, 1008, 1008}, 323), 1152, 1152);
  expect_matches_reference(random_tensor({1, 1, 480, 854}, 324), 288, 288);
  expect_matches_reference(random_tensor({3, 1, 288, 288}, 325), 480, 854);
}

TEST(InterpolateAntialias, NonContiguousViews) {
  // permuted (channels last), transposed spatial axes, and a strided slice
  const Tensor nhwc = random_tensor({2, 13, 17, 3}, 330).permute({0, 3, 1, 2});
  expect_matches_reference(nhwc, 5, 29);
  expect_close(ops::interpolate_bilinear_antialias(nhwc, 5, 29),
               ops::interpolate_bilinear_antialias(nhwc.contiguous(), 5, 29), 0.0);
  const Tensor t = random_tensor({1, 2, 17, 13}, 331).transpose(2, 3);
  expect_matches_reference(t, 6, 30);
  expect_close(ops::interpolate_bilinear_antialias(t, 6, 30), resize_f64(t, 6, 30), 1e-6);
  const Tensor sliced = random_tensor({1, 4, 30, 40}, 332).slice(1, 1, 3).slice(3, 5, 37);
  expect_matches_reference(sliced, 11, 9);
}

TEST(InterpolateAntialias, HalfInputsAreConverted) {
  const Tensor x = random_tensor({1, 2, 20, 24}, 340).to(DType::kF16);
  const Tensor y = ops::interpolate_bilinear_antialias(x, 7, 9);
  EXPECT_EQ(y.dtype(), DType::kF32);
  EXPECT_EQ(test::max_abs_diff(y, cpu::ref::interpolate_bilinear_antialias(x.to(DType::kF32), 7, 9)), 0.0);
}

TEST(InterpolateAntialias, RejectsBadArguments) {
  const Tensor x = random_tensor({1, 1, 4, 4}, 350);
  auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kOk;
  };
  EXPECT_EQ(code_of([&] { ops::interpolate_bilinear_antialias(x, 0, 4); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { ops::interpolate_bilinear_antialias(x, 4, -1); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] {
              ops::interpolate_bilinear_antialias(random_tensor({4, 4}, 351), 2, 2);
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] {
              ops::interpolate_bilinear_antialias(Tensor::zeros({1, 1, 4, 4}, DType::kI32), 2, 2);
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { ops::interpolate_bilinear_antialias(Tensor(), 2, 2); }),
            ErrorCode::kInvalidArgument);
  // empty batch: an empty result of the right shape
  EXPECT_EQ(ops::interpolate_bilinear_antialias(Tensor::empty({0, 3, 4, 4}), 2, 5).shape(),
            (Shape{0, 3, 2, 5}));
}
