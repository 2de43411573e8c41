// --precision bf16 on the GPU (bf16 operands, f32 accumulation, as the official code's bf16
// autocast): the products and the tensor-core attention against the CPU reference kernels at bf16
// tolerances (and visibly not fp32: the bf16 path is really taken), fp32 unchanged after a bf16
// call (the weight cache does not leak into fp32), and the tiny model end to end against the
// float32 reference: every named tensor within 2e-2 relative error, masks ≥ 99% equal.
#include <cmath>
#include <limits>

#include "backend/cpu/cpu-kernels.h"
#include "common/sam3-fixtures.h"
#include "core/numerics.h"
#include "cuda/cuda-test-util.h"
#include "ops/ops.h"

namespace sam3rt::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Products of bf16-rounded operands (8 significant bits) with f32 accumulation: a relative error
// of a few 1e-3 on random data, growing slowly with the reduction length.
constexpr double kBf16OpTolerance = 1e-2;
// Below this the result is fp32 arithmetic: the bf16 path was not taken.
constexpr double kNotFp32 = 1e-5;
// The bar for the whole model in bf16 against the float32 reference.
constexpr double kBf16ModelTolerance = 2e-2;
constexpr double kBf16MaskAgreement = 0.99;

Tensor on_gpu(const Tensor& t) { return t.defined() ? t.to(gpu()) : Tensor(); }

// `what` on the GPU in bf16 against the CPU reference `want`: within the bf16 tolerance, and not
// fp32-exact.
void expect_bf16(const Tensor& got, const Tensor& want, const std::string& what) {
  const double rel = expect_cuda_close(got, want, kBf16OpTolerance, what);
  EXPECT_GT(rel, kNotFp32) << what << ": fp32 result under --precision bf16";
}

TEST(CudaBf16, OfferedOnTheGpu) {
  SAM3RT_REQUIRE_CUDA();
  EXPECT_NO_THROW(check_precision_supported(gpu(), MatmulPrecision::kBf16));
}

TEST(CudaBf16, LinearMatmulConv) {
  SAM3RT_REQUIRE_CUDA();
  const Tensor x = random_tensor({3, 70, 96}, 1), w = random_tensor({130, 96}, 2),
               b = random_tensor({130}, 3);
  const Tensor a = random_tensor({2, 3, 40, 72}, 4), m = random_tensor({2, 3, 72, 50}, 5);
  const Tensor img = random_tensor({2, 12, 21, 19}, 6), cw = random_tensor({16, 12, 3, 3}, 7);
  const Tensor cb = random_tensor({16}, 8), pw = random_tensor({24, 12, 1, 1}, 9),
               tw = random_tensor({12, 8, 2, 2}, 10);
  const Tensor xg = x.to(gpu()), wg = w.to(gpu()), bg = b.to(gpu());
  {
    const ScopedNumerics bf16(MatmulPrecision::kBf16);
    expect_bf16(ops::linear(xg, wg, bg), cpu::ref::linear(x, w, b), "linear");
    // Twice: the second call reads the cached bf16 weight.
    expect_bf16(ops::linear(xg, wg, bg), cpu::ref::linear(x, w, b), "linear, cached weight");
    // A row-sliced weight view (MultiheadAttention's in-projection rows): its own cache entry.
    expect_bf16(ops::linear(xg, wg.narrow(0, 40, 50), Tensor()),
                cpu::ref::linear(x, w.narrow(0, 40, 50), Tensor()), "linear, weight rows 40..89");
    // Transposed (column-major) activations and broadcast batched products.
    expect_bf16(ops::linear(xg.transpose(1, 2).contiguous().transpose(1, 2), wg, bg),
                cpu::ref::linear(x, w, b), "linear, column-major x");
    expect_bf16(ops::matmul(on_gpu(a), on_gpu(m)), cpu::ref::matmul(a, m), "matmul batched");
    expect_bf16(ops::matmul(on_gpu(a), on_gpu(m.narrow(0, 0, 1))), cpu::ref::matmul(a, m.narrow(0, 0, 1)),
                "matmul broadcast b");
    expect_bf16(ops::matmul(on_gpu(a), on_gpu(a).transpose(2, 3)), cpu::ref::matmul(a, a.transpose(2, 3)),
                "matmul a·aᵀ");
    expect_bf16(ops::conv2d(on_gpu(img), on_gpu(cw), on_gpu(cb), 1, 1, 1, 1),
                cpu::ref::conv2d(img, cw, cb, 1, 1, 1, 1, 1), "conv 3×3");
    expect_bf16(ops::conv2d(on_gpu(img), on_gpu(pw), Tensor(), 1, 1, 0, 0),
                cpu::ref::conv2d(img, pw, Tensor(), 1, 1, 0, 0, 1), "conv 1×1");
    const Tensor gw = random_tensor({8, 6, 3, 3}, 11);  // 2 groups of 6 input channels
    expect_bf16(ops::conv2d(on_gpu(img), on_gpu(gw), Tensor(), 2, 2, 0, 0, 2),
                cpu::ref::conv2d(img, gw, Tensor(), 2, 2, 0, 0, 2), "conv grouped, stride 2");
    expect_bf16(ops::conv_transpose2d(on_gpu(img), on_gpu(tw), on_gpu(random_tensor({8}, 12)), 2, 2),
                cpu::ref::conv_transpose2d(img, tw, random_tensor({8}, 12), 2, 2), "conv transpose");
  }
  // fp32 afterwards on the same weights: exact again (the bf16 copies are only read in bf16 mode).
  expect_cuda_close(ops::linear(xg, wg, bg), cpu::ref::linear(x, w, b), 1e-5, "linear fp32 after bf16");
}

TEST(CudaBf16, TensorCoreAttention) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics bf16(MatmulPrecision::kBf16);
  struct Case {
    int64_t B, H, Lq, Lk, D, Dv;
  };
  // Both head-dim buckets (32, 64) and dims padded into them, ragged query and key tiles.
  const Case cases[] = {{1, 2, 300, 577, 64, 64}, {2, 3, 201, 130, 32, 32}, {1, 2, 65, 64, 16, 24},
                        {2, 1, 17, 45, 3, 5},     {1, 2, 129, 200, 64, 40}, {1, 1, 1, 1, 32, 32}};
  uint64_t seed = 3000;
  for (const Case& c : cases) {
    const Tensor q = random_tensor({c.B, c.H, c.Lq, c.D}, seed++),
                 k = random_tensor({c.B, c.H, c.Lk, c.D}, seed++);
    const Tensor v = random_tensor({c.B, c.H, c.Lk, c.Dv}, seed++);
    const std::string what = "D=" + std::to_string(c.D) + " Dv=" + std::to_string(c.Dv) +
                             " Lq=" + std::to_string(c.Lq) + " Lk=" + std::to_string(c.Lk);
    for (const float scale : {1.f / std::sqrt(static_cast<float>(c.D)), 3.f})
      expect_bf16(ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), Tensor(), Tensor(), scale),
                  cpu::ref::attention(q, k, v, Tensor(), Tensor(), scale),
                  what + " scale " + std::to_string(scale));
  }
  // Key padding (a batch entry entirely padded → zeros), an additive bias with −∞ entries and whole
  // −∞ rows, a per-head bias broadcast over queries, strided (permuted) head views.
  const int64_t B = 3, H = 2, Lq = 150, Lk = 300, D = 32;
  const Tensor q = random_tensor({B, H, Lq, D}, 3100), k = random_tensor({B, H, Lk, D}, 3101);
  const Tensor v = random_tensor({B, H, Lk, D}, 3102);
  Tensor mask = Tensor::zeros({B, Lk}, DType::kU8);
  for (int64_t j = 0; j < Lk; ++j) {
    mask.data<uint8_t>()[j] = j % 3 == 0;
    mask.data<uint8_t>()[Lk + j] = j >= 64 && j < 200;
    mask.data<uint8_t>()[2 * Lk + j] = 1;
  }
  const Tensor got = ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), mask.to(gpu()), Tensor(), 0.3f);
  expect_bf16(got, cpu::ref::attention(q, k, v, mask, Tensor(), 0.3f), "mask");
  const Tensor host = got.to(Device::cpu());
  for (int64_t i = 0; i < Lq; ++i) ASSERT_EQ(host.item_at({B - 1, 1, i, 5}), 0.f);
  Tensor bias = random_tensor({B, H, Lq, Lk}, 3103, -3.f, 3.f);
  for (int64_t i = 0; i < bias.numel(); ++i)
    if (bias.data<float>()[i] > 2.f || (i / Lk) % Lq == 7) bias.data<float>()[i] = -kInf;
  const Tensor gb = ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), Tensor(), bias.to(gpu()), 0.3f);
  expect_bf16(gb, cpu::ref::attention(q, k, v, Tensor(), bias, 0.3f), "-inf bias");
  EXPECT_EQ(gb.to(Device::cpu()).item_at({0, 0, 7, 0}), 0.f);
  const Tensor hb = random_tensor({H, 1, Lk}, 3104, -2.f, 2.f);
  expect_bf16(ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), mask.to(gpu()), hb.to(gpu()), 0.3f),
              cpu::ref::attention(q, k, v, mask, hb.unsqueeze(0).expand({B, H, Lq, Lk}), 0.3f),
              "head bias + mask");
  const Tensor qp = random_tensor({B, Lq, H, D}, 3105), kp = random_tensor({B, Lk, H, D}, 3106);
  const Tensor vp = random_tensor({B, Lk, H, D}, 3107);
  auto heads = [](const Tensor& t) { return t.permute({0, 2, 1, 3}); };
  expect_bf16(
      ops::attention(heads(qp.to(gpu())), heads(kp.to(gpu())), heads(vp.to(gpu())), Tensor(), Tensor(), 0.2f),
      cpu::ref::attention(heads(qp), heads(kp), heads(vp), Tensor(), Tensor(), 0.2f), "permuted heads");
  // Head dims above 64 stay on the fp32 kernel (exact).
  const Tensor q2 = random_tensor({1, 1, 70, 128}, 3108), k2 = random_tensor({1, 1, 90, 128}, 3109);
  expect_cuda_close(ops::attention(q2.to(gpu()), k2.to(gpu()), k2.to(gpu()), Tensor(), Tensor(), 0.1f),
                    cpu::ref::attention(q2, k2, k2, Tensor(), Tensor(), 0.1f), 1e-5, "D = 128 (fp32 kernel)");
}

double fraction_masks_equal(const Tensor& a, const Tensor& b) {
  const Tensor x = a.to(Device::cpu()).contiguous(), y = b.to(Device::cpu()).contiguous();
  int64_t same = 0;
  for (int64_t i = 0; i < x.numel(); ++i) same += (x.data<uint8_t>()[i] != 0) == (y.data<uint8_t>()[i] != 0);
  return static_cast<double>(same) / std::max<int64_t>(x.numel(), 1);
}

class CudaBf16Model : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaBf16Model, EveryNamedTensorWithin2e2OfTheFloat32Reference) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics bf16(MatmulPrecision::kBf16);
  const FixtureCase c = load_case(GetParam());
  const TensorDump& dump = run_case_with_dump(tiny_session(gpu()), c);
  double worst = 0, worst_not_fp32 = 0;
  std::string worst_name;
  int checked = 0;
  for (const auto& [name, ref] : c.tensors) {
    SCOPED_TRACE(c.name + ":" + name);
    const std::optional<Tensor> dumped = dumped_like(dump, name, ref);
    if (!dumped) continue;
    const Tensor& ours = *dumped;
    double measure = 0;
    if (name == "input.token_ids" || name == "text.language_mask" || name == "geometry_encoder.1") {
      measure = max_abs_diff(ours, ref);  // integers and masks, no arithmetic
      EXPECT_EQ(measure, 0.0);
    } else if (name == "input.resized_u8") {
      measure = max_abs_diff(ours, ref);  // before the model (as fp32: ±1 from the reference's GPU resize)
      EXPECT_LE(measure, 1.0);
    } else if (name == "input.pixels") {
      measure = max_abs_diff(ours, ref);
      EXPECT_LE(measure, 2.0 / 255 + 1e-6);
    } else if (name == "out.masks") {
      measure = fraction_masks_equal(ours, ref);
      EXPECT_GE(measure, kBf16MaskAgreement);
    } else {
      measure =
          expect_close(c.name + ":" + name, ours.to(DType::kF32), ref.to(DType::kF32), kBf16ModelTolerance);
      if (measure > worst) {
        worst = measure;
        worst_name = name;
      }
      worst_not_fp32 = std::max(worst_not_fp32, measure);
    }
    std::printf("[cuda-bf16] %-16s %-32s %.3g\n", c.name.c_str(), name.c_str(), measure);
    ++checked;
  }
  std::printf("[cuda-bf16] %s: worst relative error %.3g (%s) over %d tensors\n", c.name.c_str(), worst,
              worst_name.c_str(), checked);
  EXPECT_GE(checked, 30);
  EXPECT_GT(worst_not_fp32, kNotFp32) << "bf16 mode computed fp32";
}

INSTANTIATE_TEST_SUITE_P(AllCases, CudaBf16Model, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace sam3rt::test
