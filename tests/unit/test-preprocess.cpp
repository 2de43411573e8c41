// preprocess_image / normalize_image_u8 against the reference's input.pixels of every case.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/fixture-safetensors.h"
#include "common/test-util.h"
#include "pipeline/preprocess.h"

namespace sam3rt {
namespace {

const std::string kRoot = test::data_dir() + "/sam3-tiny";

std::vector<nlohmann::json> all_cases() {
  std::vector<nlohmann::json> cases;
  for (const auto& e : std::filesystem::directory_iterator(kRoot + "/cases"))
    if (e.path().extension() == ".json") cases.push_back(nlohmann::json::parse(std::ifstream(e.path())));
  return cases;
}

TEST(Preprocess, NormalisationMatchesReferencePixelsExactly) {
  int n = 0;
  for (const auto& c : all_cases()) {
    const std::string name = c.at("name");
    const test::FixtureTensors fx(test::data_dir() + "/sam3-tiny-fp32/cases/" + name + ".safetensors");
    const Tensor pixels = normalize_image_u8(fx.get("input.resized_u8"));
    const Tensor ref = fx.get("input.pixels");
    ASSERT_EQ(pixels.shape(), ref.shape()) << name;
    EXPECT_EQ(test::max_abs_diff(pixels, ref), 0.0) << name;
    ++n;
  }
  EXPECT_GE(n, 9);
}

TEST(Preprocess, FullPipelineFromDecodedImage) {
  const int image_size =
      nlohmann::json::parse(std::ifstream(kRoot + "/model/sam3-tiny.config.json")).at("image_size").get<int>();
  for (const auto& c : all_cases()) {
    const std::string name = c.at("name");
    const Image image = decode_image_file(kRoot + "/" + c.at("image").get<std::string>());
    Tensor resized;
    const Tensor pixels = preprocess_image(image, image_size, &resized);
    const test::FixtureTensors fx(test::data_dir() + "/sam3-tiny-fp32/cases/" + name + ".safetensors");
    ASSERT_EQ(pixels.shape(), (Shape{1, 3, image_size, image_size})) << name;
    ASSERT_EQ(resized.shape(), (Shape{3, image_size, image_size})) << name;
    // The resize matches within ±1 (see the op test); each unit step is 2/255 after normalising.
    EXPECT_LE(test::max_abs_diff(pixels, fx.get("input.pixels")), 2.0 / 255 + 1e-6) << name;
    EXPECT_LE(test::max_abs_diff(resized, fx.get("input.resized_u8")), 1.0) << name;
  }
}

TEST(Preprocess, ValuesSpanMinusOneToOne) {
  Tensor u8 = Tensor::empty(Shape{3, 1, 2}, DType::kU8);
  const uint8_t v[] = {0, 255, 128, 1, 254, 127};
  std::copy(v, v + 6, u8.data<uint8_t>());
  const std::vector<float> out = normalize_image_u8(u8).to_vector();
  EXPECT_EQ(out[0], -1.f);
  EXPECT_EQ(out[1], 1.f);
  EXPECT_NEAR(out[2], 128.0 / 255 * 2 - 1, 1e-6);
}

TEST(Preprocess, RejectsEmptyImageAndBadSize) {
  Image empty;
  EXPECT_THROW(preprocess_image(empty, 16), Error);
  Image one{1, 1, {1, 2, 3}};
  EXPECT_THROW(preprocess_image(one, 0), Error);
  EXPECT_EQ(preprocess_image(one, 4).shape(), (Shape{1, 3, 4, 4}));
}

}  // namespace
}  // namespace sam3rt
