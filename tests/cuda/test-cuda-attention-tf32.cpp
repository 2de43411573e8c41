// The tensor-core attention (attention precision TF32, `--precision tf32-all`) against the exact
// reference kernel: every operand of the two products is rounded to TF32 (2^-11 relative), which
// moves the logits by ~5e-4 and the outputs by ~1e-3 relative; the bound is 3e-3. Fully masked
// rows are still exactly zero, and the result must differ from exact fp32 (tensor cores used).
#include <cmath>

#include "backend/cpu/cpu-kernels.h"
#include "core/numerics.h"
#include "cuda/cuda-test-util.h"
#include "ops/ops.h"

namespace sam3rt::test {
namespace {

constexpr double kTf32AttentionTol = 3e-3;

struct Case {
  const char* name;
  int64_t B, H, Lq, Lk, D, Dv;
  bool mask, bias;
};

TEST(CudaAttentionTf32, MatchesTheReferenceAtTf32Precision) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics tf32(MatmulPrecision::kF32, MatmulPrecision::kTf32);
  const Case cases[] = {
      {"vit window", 2, 4, 144, 144, 64, 64, false, false},
      {"odd lengths", 1, 3, 70, 131, 64, 64, false, false},
      {"fusion encoder head dim 32", 1, 2, 200, 333, 32, 32, false, false},
      {"cross attention with bias", 1, 2, 201, 150, 32, 32, false, true},
      {"masked prompt keys", 2, 2, 50, 7, 32, 32, true, false},
      {"Dv != D", 1, 2, 65, 97, 16, 48, false, false},
      {"single query and key", 1, 1, 1, 1, 8, 8, false, false},
  };
  double worst = 0, most_inexact = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // q/k/v as head views of [B, L, H, D], as the models produce them
    const Tensor q = random_tensor({c.B, c.Lq, c.H, c.D}, 1).permute({0, 2, 1, 3});
    const Tensor k = random_tensor({c.B, c.Lk, c.H, c.D}, 2).permute({0, 2, 1, 3});
    const Tensor v = random_tensor({c.B, c.Lk, c.H, c.Dv}, 3).permute({0, 2, 1, 3});
    Tensor mask, bias;
    if (c.mask) {
      mask = Tensor::zeros({c.B, c.Lk}, DType::kU8);
      for (int64_t j = 3; j < c.Lk; ++j) mask.data<uint8_t>()[j] = 1;                   // batch 0: 3 visible keys
      for (int64_t j = 0; j < c.Lk; ++j) mask.data<uint8_t>()[(c.B - 1) * c.Lk + j] = 1;  // last batch: none
    }
    if (c.bias) bias = random_tensor({c.B, c.H, c.Lq, c.Lk}, 4, -2.f, 2.f);
    const float scale = 1.f / std::sqrt(static_cast<float>(c.D));
    const Tensor ref = cpu::ref::attention(q, k, v, mask, bias, scale);
    const Tensor ours = ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), mask.defined() ? mask.to(gpu()) : mask,
                                       bias.defined() ? bias.to(gpu()) : bias, scale);
    worst = std::max(worst, expect_cuda_close(ours, ref, kTf32AttentionTol, c.name));
    most_inexact = std::max(most_inexact, rel_error(ours.to(Device::cpu()), ref));
    if (c.mask) {  // the fully masked batch entry: zeros, exactly
      const Tensor last = ours.to(Device::cpu()).select(0, c.B - 1);
      EXPECT_EQ(max_abs_diff(last, Tensor::zeros(last.shape())), 0.0);
    }
  }
  std::printf("[tf32 attention] worst relative error %.3g\n", worst);
  EXPECT_GT(most_inexact, 1e-6) << "TF32 attention computed exact fp32: tensor cores not used";
}

TEST(CudaAttentionTf32, WideHeadsFallBackToFp32) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics tf32(MatmulPrecision::kF32, MatmulPrecision::kTf32);
  const Tensor q = random_tensor({1, 2, 40, 96}, 5), k = random_tensor({1, 2, 50, 96}, 6), v = random_tensor({1, 2, 50, 96}, 7);
  const Tensor ref = cpu::ref::attention(q, k, v, Tensor(), Tensor(), 0.1f);
  expect_cuda_close(ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), Tensor(), Tensor(), 0.1f), ref, 1e-5,
                    "D = 96: the fp32 kernel");
}

}  // namespace
}  // namespace sam3rt::test
