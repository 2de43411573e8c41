// `--precision bf16` on the CPU against the float32 reference of the official code
// (tests/data/sam3-tiny-fp32): every fixture case end to end through ImageSession, as
// test-every-fixture-tensor.cpp runs it, with the linear layers' weights kept in bf16 as
// `sam3rt_model_load` keeps them under bf16 (LoadOptions::bf16_linear_weights). bf16 operands carry
// 8 significant bits (relative rounding 2^-9 ≈ 2e-3 per operand), so every named float tensor must
// stay within 2e-2 relative error and the masks ≥ 99% equal; the token ids and the resized image
// (computed before any product) stay exact. Skipped, saying why, on CPUs without AMX-BF16 or
// AVX-512-BF16 (or a build without oneDNN).
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu/bf16-gemm.h"
#include "common/sam3-fixtures.h"
#include "common/test-util.h"
#include "core/numerics.h"
#include "io/model-loader.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"
#include "text/clip-tokenizer.h"

namespace sam3rt::test {
namespace {

constexpr double kBf16Tolerance = 2e-2;  // relative, named float tensors
constexpr double kBf16MaskAgreement = 0.99;

std::shared_ptr<const LoadedModel> tiny_model_bf16_weights() {
  const std::string dir = tiny_dir() + "/model";
  LoadOptions options;
  options.config_path = dir + "/sam3-tiny.config.json";
  options.tokenizer_path = dir + "/tiny-bpe.txt.gz";
  options.bf16_linear_weights = true;
  return std::make_shared<const LoadedModel>(load_model(dir + "/sam3-tiny.pt", options));
}

pipeline::ImageSession& bf16_session() {
  static std::unique_ptr<pipeline::ImageSession> session = [] {
    auto model = tiny_model_bf16_weights();
    auto s = std::make_unique<pipeline::ImageSession>(
        std::make_shared<const Sam3ImageModel>(model, Device::cpu()),
        std::make_shared<const ClipTokenizer>(model->bpe_merges, model->config.bpe_merges));
    Context context;
    context.matmul_precision = MatmulPrecision::kBf16;
    s->set_context(context);
    return s;
  }();
  return *session;
}

double fraction_equal_u8(const Tensor& a, const Tensor& b) {
  const Tensor x = a.contiguous(), y = b.contiguous();
  int64_t same = 0;
  for (int64_t i = 0; i < x.numel(); ++i) same += (x.data<uint8_t>()[i] != 0) == (y.data<uint8_t>()[i] != 0);
  return x.numel() ? static_cast<double>(same) / x.numel() : 1.0;
}

TEST(Bf16Cpu, LinearWeightsAreKeptInBf16ExceptTheDecoderFfn) {
  if (const std::string why = cpu::bf16_unavailable_reason(); !why.empty())
    GTEST_SKIP() << "bf16 on this CPU: " << why;
  const auto model = tiny_model_bf16_weights();
  const std::set<std::string> linear = bf16_linear_weight_names(model->config);
  int bf16 = 0;
  for (const auto& [name, t] : model->weights.all()) {
    EXPECT_EQ(t.dtype() == DType::kBF16, linear.count(name) == 1) << name;
    bf16 += t.dtype() == DType::kBF16;
  }
  EXPECT_GT(bf16, 50);
  EXPECT_EQ(model->weights.get("detector.transformer.decoder.layers.0.linear1.weight").dtype(), DType::kF32)
      << "the decoder's FFN runs with autocast off in the official code";
}

class Bf16EveryFixtureTensor : public ::testing::TestWithParam<std::string> {};

TEST_P(Bf16EveryFixtureTensor, WithinBf16ToleranceOfTheFloat32Reference) {
  if (const std::string why = cpu::bf16_unavailable_reason(); !why.empty())
    GTEST_SKIP() << "bf16 on this CPU: " << why;
  const FixtureCase c = load_case(GetParam());
  const TensorDump& dump = run_case_with_dump(bf16_session(), c);
  int checked = 0;
  double worst = 0;
  for (const auto& [name, ref] : c.tensors) {
    SCOPED_TRACE(c.name + ":" + name);
    const std::optional<Tensor> dumped = dumped_like(dump, name, ref);
    if (!dumped) continue;
    const Tensor& ours = *dumped;
    double measure = 0;
    if (name == "input.token_ids" || name == "text.language_mask" || name == "input.resized_u8" ||
        name == "input.pixels" || name == "geometry_encoder.1") {
      // Before any matrix product (or integer masks): the f32 path's own bounds hold.
      measure = max_abs_diff(ours, ref);
      EXPECT_LE(measure, name == "input.resized_u8" ? 1.0 : name == "input.pixels" ? 2.0 / 255 + 1e-6 : 0.0);
    } else if (name == "out.masks") {
      measure = fraction_equal_u8(ours, ref);
      EXPECT_GE(measure, kBf16MaskAgreement);
    } else {
      measure = expect_close(c.name + ":" + name, ours.to(DType::kF32), ref.to(DType::kF32), kBf16Tolerance);
      if (std::isfinite(measure)) worst = std::max(worst, measure);
    }
    std::printf("[bf16] %-16s %-32s %.3g\n", c.name.c_str(), name.c_str(), measure);
    ++checked;
  }
  EXPECT_GE(checked, 30) << "the reference file holds every named tensor";
  // bf16 must actually have run: an all-f32 run would land within 1e-4 (kF32Tolerance).
  EXPECT_GT(worst, 1e-4) << "no tensor shows bf16 rounding: were the products run in f32?";
}

INSTANTIATE_TEST_SUITE_P(AllCases, Bf16EveryFixtureTensor, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
