// Parity of the text encoder with the official implementation on every fixture case
// (tests/data/sam3-tiny, spec §6): text.language_features and text.language_mask.
#include <gtest/gtest.h>

#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "model/text-encoder.h"

namespace sam3rt::test {
namespace {

const TextEncoder& tiny_text_encoder() {
  static const TextEncoder encoder(load_tiny_model()->config, load_tiny_model()->weights);
  return encoder;
}

class TextEncoderParity : public ::testing::TestWithParam<std::string> {};

TEST_P(TextEncoderParity, MatchesReference) {
  const FixtureCase c = load_case(GetParam());
  ASSERT_TRUE(c.tensors.count("input.token_ids")) << "case " << c.name << " has no input.token_ids";
  TensorDump dump;
  const TextFeatures tf = tiny_text_encoder().forward(c.tensors.at("input.token_ids"), &dump);
  const Sam3Config& cfg = load_tiny_model()->config;
  EXPECT_EQ(tf.features.shape(), Shape({cfg.text_context, 1, cfg.d_model}));
  EXPECT_EQ(tf.padding_mask.shape(), Shape({1, cfg.text_context}));
  EXPECT_EQ(tf.padding_mask.dtype(), DType::kU8);
  expect_close("text.language_features", dump.at("text.language_features"), c.tensors.at("text.language_features"),
               1e-4);
  // The mask is exact: 1 where the id is 0.
  EXPECT_EQ(max_abs_diff(dump.at("text.language_mask"), c.tensors.at("text.language_mask")), 0.0);
  std::printf("[parity] %-16s text.language_features rel %.3g\n", c.name.c_str(),
              rel_error(dump.at("text.language_features"), c.tensors.at("text.language_features")));
}

INSTANTIATE_TEST_SUITE_P(AllCases, TextEncoderParity, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Causality: tokens after position i never influence output i (the reference applies no padding
// mask inside the text encoder, only the causal one).
TEST(TextEncoder, OutputsDependOnlyOnEarlierTokens) {
  const Sam3Config& cfg = load_tiny_model()->config;
  std::vector<int32_t> a(cfg.text_context, 0), b(cfg.text_context, 0);
  for (int i = 0; i < 6; ++i) a[i] = b[i] = 10 + 7 * i;
  b[6] = 123;  // differs from position 6 on
  const TextFeatures fa = tiny_text_encoder().forward(Tensor::from_vector_i32({1, cfg.text_context}, a));
  const TextFeatures fb = tiny_text_encoder().forward(Tensor::from_vector_i32({1, cfg.text_context}, b));
  EXPECT_EQ(max_abs_diff(fa.features.narrow(0, 0, 6), fb.features.narrow(0, 0, 6)), 0.0);
  EXPECT_GT(max_abs_diff(fa.features.narrow(0, 6, 1), fb.features.narrow(0, 6, 1)), 0.0);
  EXPECT_EQ(fa.padding_mask.item_at({0, 5}), 0.f);
  EXPECT_EQ(fa.padding_mask.item_at({0, 6}), 1.f);
  EXPECT_EQ(fb.padding_mask.item_at({0, 6}), 0.f);
}

TEST(TextEncoder, RejectsWrongLength) {
  std::vector<int32_t> ids(5, 1);
  try {
    tiny_text_encoder().forward(Tensor::from_vector_i32({1, 5}, ids));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("[1, 32]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sam3rt::test
