// The CPU kernels under `--precision bf16` (MatmulPrecision::kBf16) against the reference kernels:
// linear, matmul and the convolutions compute the f32-accumulated product of bf16-rounded operands,
// so they match the reference run on those rounded operands to f32 accumulation noise (1e-5);
// attention also rounds each block's probabilities, so it is held to the bf16 bound (2e-2) of the
// f32 reference, and must differ from it (the bf16 path ran). Skipped on CPUs without bf16.
#include "backend/cpu/bf16-gemm.h"
#include "backend/cpu/cpu-kernels.h"
#include "core/context.h"
#include "ops/ops-test-util.h"
#include "ops/ops.h"

using namespace sam3rt;
using test::expect_close;
using test::random_tensor;

namespace {

#define SKIP_WITHOUT_BF16()                                                 \
  if (const std::string why = cpu::bf16_unavailable_reason(); !why.empty()) \
  GTEST_SKIP() << "bf16 on this CPU: " << why

Tensor rounded(const Tensor& t) { return t.to(DType::kBF16).to(DType::kF32); }

Context bf16_context() {
  Context c;
  c.matmul_precision = MatmulPrecision::kBf16;
  return c;
}

}  // namespace

TEST(OpsBf16, LinearIsTheProductOfRoundedOperands) {
  SKIP_WITHOUT_BF16();
  Tensor x = random_tensor({3, 70, 37}, 1), w = random_tensor({29, 37}, 2), b = random_tensor({29}, 3);
  const Tensor want = cpu::ref::linear(rounded(x), rounded(w), b);
  const ScopedContext bf16(bf16_context());
  expect_close(ops::linear(x, w, b), want);                   // f32 weight, rounded per call
  expect_close(ops::linear(x, w.to(DType::kBF16), b), want);  // bf16 weight, used in place
  expect_close(ops::linear(x, w), cpu::ref::linear(rounded(x), rounded(w), Tensor()));
  // strided views: transposed x, transposed weight
  Tensor xt = random_tensor({37, 21}, 7).transpose(0, 1), wt = random_tensor({37, 29}, 9).transpose(0, 1);
  expect_close(ops::linear(xt, wt, b), cpu::ref::linear(rounded(xt), rounded(wt), b));
  // it is not the f32 product
  EXPECT_GT(test::rel_error(ops::linear(x, w, b), cpu::ref::linear(x, w, b)), 1e-5);
}

TEST(OpsBf16, MatmulShapesAndViews) {
  SKIP_WITHOUT_BF16();
  const ScopedContext bf16(bf16_context());
  Tensor a = random_tensor({2, 3, 17, 13}, 20), b = random_tensor({13, 11}, 21);
  expect_close(ops::matmul(a, b), cpu::ref::matmul(rounded(a), rounded(b)));
  Tensor q = random_tensor({2, 19, 3, 8}, 26).permute({0, 2, 1, 3});
  Tensor kt = random_tensor({2, 23, 3, 8}, 27).permute({0, 2, 3, 1});
  expect_close(ops::matmul(q, kt), cpu::ref::matmul(rounded(q), rounded(kt)));
  Tensor a3 = random_tensor({2, 130, 140}, 28), b3 = random_tensor({2, 140, 131}, 29);
  expect_close(ops::matmul(a3, b3), cpu::ref::matmul(rounded(a3), rounded(b3)));
}

TEST(OpsBf16, Convolutions) {
  SKIP_WITHOUT_BF16();
  const ScopedContext bf16(bf16_context());
  Tensor x = random_tensor({2, 6, 11, 13}, 40), w = random_tensor({5, 6, 3, 3}, 41),
         b = random_tensor({5}, 42);
  expect_close(ops::conv2d(x, w, b, 1, 1, 1, 1, 1),
               cpu::ref::conv2d(rounded(x), rounded(w), b, 1, 1, 1, 1, 1));
  Tensor w1 = random_tensor({7, 6, 1, 1}, 43);
  expect_close(ops::conv2d(x, w1, Tensor(), 1, 1, 0, 0, 1),
               cpu::ref::conv2d(rounded(x), rounded(w1), Tensor(), 1, 1, 0, 0, 1));
  Tensor wt = random_tensor({6, 4, 2, 2}, 44), bt = random_tensor({4}, 45);
  expect_close(ops::conv_transpose2d(x, wt, bt, 2, 2),
               cpu::ref::conv_transpose2d(rounded(x), rounded(wt), bt, 2, 2));
}

TEST(OpsBf16, AttentionWithinTheBf16BoundWithMaskAndBias) {
  SKIP_WITHOUT_BF16();
  // Long enough for several key blocks (512) and query blocks; heads as views of [B, L, H, D].
  const int64_t B = 2, H = 3, Lq = 300, Lk = 1100, D = 16;
  Tensor q = random_tensor({B, Lq, H, D}, 50).permute({0, 2, 1, 3});
  Tensor k = random_tensor({B, Lk, H, D}, 51).permute({0, 2, 1, 3});
  Tensor v = random_tensor({B, Lk, H, D}, 52).permute({0, 2, 1, 3});
  Tensor mask = Tensor::zeros({B, Lk}, DType::kU8);
  for (int64_t j = 900; j < Lk; ++j) mask.data<uint8_t>()[Lk + j] = 1;  // batch 1: the last keys are padding
  Tensor bias = random_tensor({1, H, Lq, Lk}, 53, -0.5f, 0.5f);
  // The reference kernel takes the bias already broadcast (ops::attention expands it).
  const Tensor want = cpu::ref::attention(q, k, v, mask, bias.expand({B, H, Lq, Lk}), 0.25f);
  Tensor got;
  {
    const ScopedContext bf16(bf16_context());
    got = ops::attention(q, k, v, mask, bias, 0.25f);
  }
  const double err = test::rel_error(got, want);
  EXPECT_LE(err, 2e-2);
  EXPECT_GT(err, 1e-5) << "the bf16 path did not run";
}
