// ops::resize_bilinear_antialias_u8 against hand-computed values, a float64 oracle of the same
// filter, and the reference's own resized images (input.resized_u8 of every sam3-tiny case).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/fixture-safetensors.h"
#include "common/test-util.h"
#include "io/image.h"
#include "ops/ops.h"

namespace sam3rt {
namespace {

Tensor u8_tensor(const Shape& shape, const std::vector<int>& values) {
  Tensor t = Tensor::empty(shape, DType::kU8);
  for (size_t i = 0; i < values.size(); ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(values[i]);
  return t;
}

std::vector<int> as_ints(const Tensor& t) {
  std::vector<int> v;
  for (float x : t.to_vector()) v.push_back(static_cast<int>(x));
  return v;
}

TEST(ResizeAntialias, DownscaleByTwoUsesWidenedTriangle) {
  // scale 2, support 2: output 0 has window [0, 3) with weights (0.75, 0.75, 0.25)/1.75,
  // output 1 has window [1, 4) with weights (0.25, 0.75, 0.75)/1.75.
  Tensor in = u8_tensor(Shape{1, 1, 4}, {0, 70, 140, 210});
  Tensor out = ops::resize_bilinear_antialias_u8(in, 1, 2);
  EXPECT_EQ(as_ints(out), (std::vector<int>{50, 160}));  // (0+210+140)/7, (70+420+630)/7
}

TEST(ResizeAntialias, UpscaleIsHalfPixelBilinearWithBankersRounding) {
  // 2 → 4: [a, .75a + .25b, .25a + .75b, b]; 12.5 rounds to 12 and 17.5 to 18 (half to even).
  Tensor in = u8_tensor(Shape{1, 1, 2}, {10, 20});
  EXPECT_EQ(as_ints(ops::resize_bilinear_antialias_u8(in, 1, 4)), (std::vector<int>{10, 12, 18, 20}));
  Tensor col = u8_tensor(Shape{1, 2, 1}, {10, 20});
  EXPECT_EQ(as_ints(ops::resize_bilinear_antialias_u8(col, 4, 1)), (std::vector<int>{10, 12, 18, 20}));
}

TEST(ResizeAntialias, SameSizeIsACopy) {
  Tensor in = u8_tensor(Shape{3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Tensor out = ops::resize_bilinear_antialias_u8(in, 2, 2);
  EXPECT_EQ(as_ints(out), as_ints(in));
  EXPECT_NE(out.raw_data(), in.raw_data());
}

TEST(ResizeAntialias, NonContiguousInput) {
  Tensor hwc = u8_tensor(Shape{2, 4, 3}, std::vector<int>(24, 0));
  for (int i = 0; i < 24; ++i) hwc.data<uint8_t>()[i] = static_cast<uint8_t>(i * 10);
  Tensor view = hwc.permute({2, 0, 1});  // [3, 2, 4] strided
  Tensor out = ops::resize_bilinear_antialias_u8(view, 1, 2);
  Tensor ref = ops::resize_bilinear_antialias_u8(view.contiguous(), 1, 2);
  EXPECT_EQ(as_ints(out), as_ints(ref));
}

TEST(ResizeAntialias, RejectsBadArguments) {
  Tensor f = Tensor::zeros(Shape{3, 4, 4});
  EXPECT_THROW(ops::resize_bilinear_antialias_u8(f, 2, 2), Error);
  Tensor u = Tensor::zeros(Shape{3, 4, 4}, DType::kU8);
  EXPECT_THROW(ops::resize_bilinear_antialias_u8(u, 0, 2), Error);
  EXPECT_THROW(ops::resize_bilinear_antialias_u8(Tensor::zeros(Shape{4, 4}, DType::kU8), 2, 2), Error);
}

// Float64 oracle of the same separable filter (formulas of the spec, not the kernel's code).
std::vector<double> oracle_weights(int in, int out, int i, int* start) {
  const double scale = static_cast<double>(in) / out;
  const double support = scale >= 1 ? scale : 1.0;
  const double center = scale * (i + 0.5);
  const int lo = std::max(static_cast<int>(std::floor(center - support + 0.5)), 0);
  const int hi = std::min(static_cast<int>(std::floor(center + support + 0.5)), in);
  std::vector<double> w;
  double total = 0;
  for (int j = lo; j < hi; ++j) {
    const double x = std::abs((j - center + 0.5) / std::max(scale, 1.0));
    w.push_back(x < 1 ? 1 - x : 0);
    total += w.back();
  }
  for (double& v : w) v /= total;
  *start = lo;
  return w;
}

TEST(ResizeAntialias, MatchesFloat64OracleWithinOne) {
  std::mt19937 rng(7);
  const int sizes[][4] = {{37, 53, 11, 29}, {9, 13, 40, 31}, {64, 48, 17, 17}, {5, 100, 23, 7}};
  for (const auto& s : sizes) {
    const int h = s[0], w = s[1], oh = s[2], ow = s[3];
    std::vector<int> vals(static_cast<size_t>(2) * h * w);
    for (int& v : vals) v = static_cast<int>(rng() % 256);
    Tensor in = u8_tensor(Shape{2, h, w}, vals);
    Tensor out = ops::resize_bilinear_antialias_u8(in, oh, ow);
    const uint8_t* o = out.data<uint8_t>();
    int exact = 0, total = 0;
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < oh; ++y) {
        int y0;
        const auto wy = oracle_weights(h, oh, y, &y0);
        for (int x = 0; x < ow; ++x) {
          int x0;
          const auto wx = oracle_weights(w, ow, x, &x0);
          double acc = 0;
          for (size_t a = 0; a < wy.size(); ++a)
            for (size_t b = 0; b < wx.size(); ++b)
              acc += wy[a] * wx[b] * vals[(static_cast<size_t>(c) * h + y0 + a) * w + x0 + b];
          const int expect = static_cast<int>(std::nearbyint(acc));
          const int got = o[(static_cast<size_t>(c) * oh + y) * ow + x];
          ASSERT_LE(std::abs(got - expect), 1) << h << "x" << w << "->" << oh << "x" << ow << " at " << c << "," << y
                                               << "," << x << " oracle " << acc;
          exact += got == expect;
          ++total;
        }
      }
    EXPECT_GE(exact, total * 98 / 100) << h << "x" << w << "->" << oh << "x" << ow;
  }
}

// Every fixture case: decode its image, resize to the model's image size, compare with the
// reference's input.resized_u8 (computed on a GPU in float32, then rounded).
TEST(ResizeAntialias, MatchesReferenceOnEveryFixtureCase) {
  const std::string root = test::data_dir() + "/sam3-tiny";
  std::ifstream cfg_in(root + "/model/sam3-tiny.config.json");
  ASSERT_TRUE(cfg_in.good()) << "missing sam3-tiny config";
  const int image_size = nlohmann::json::parse(cfg_in).at("image_size").get<int>();
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/cases")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream case_in(entry.path());
    const nlohmann::json c = nlohmann::json::parse(case_in);
    const std::string name = c.at("name");
    const Image image = decode_image_file(root + "/" + c.at("image").get<std::string>());
    const Tensor resized = ops::resize_bilinear_antialias_u8(image_to_chw_tensor(image), image_size, image_size);
    const test::FixtureTensors fx(test::data_dir() + "/sam3-tiny-fp32/cases/" + name + ".safetensors");
    const Tensor ref = fx.get("input.resized_u8");
    ASSERT_EQ(resized.shape(), ref.shape()) << name;
    const uint8_t* a = resized.data<uint8_t>();
    const uint8_t* b = ref.data<uint8_t>();
    int64_t exact = 0, max_diff = 0;
    for (int64_t i = 0; i < ref.numel(); ++i) {
      const int d = std::abs(int{a[i]} - int{b[i]});
      exact += d == 0;
      max_diff = std::max<int64_t>(max_diff, d);
    }
    const double exact_frac = static_cast<double>(exact) / ref.numel();
    std::printf("[ resize ] %-16s %dx%d -> %d: max |diff| %ld, exact %.4f%%\n", name.c_str(), image.width,
                image.height, image_size, static_cast<long>(max_diff), 100.0 * exact_frac);
    EXPECT_LE(max_diff, 1) << name;
    EXPECT_GE(exact_frac, 0.99) << name;
    ++cases;
  }
  EXPECT_GE(cases, 9);
}

}  // namespace
}  // namespace sam3rt
