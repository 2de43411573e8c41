// Hand-computed values for the linear-algebra, convolution, normalisation and elementwise ops.
#include <cmath>

#include "ops/ops.h"
#include "ops/ops-test-util.h"

using namespace sam3rt;
using test::expect_values;

TEST(OpsRef, Linear) {
  Tensor x = test::t({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = test::t({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5});
  Tensor b = test::t({2}, {10, -1});
  expect_values(ops::linear(x, w, b), {2, 2}, {8, 2, 8, 6.5});
  expect_values(ops::linear(x, w), {2, 2}, {-2, 3, -2, 7.5});
  EXPECT_THROW(ops::linear(x, test::t({2, 2}, {1, 2, 3, 4})), Error);
}

TEST(OpsRef, MatmulBroadcastAndTransposedView) {
  Tensor a = test::t({2, 1, 2}, {1, 2, 3, 4});      // two 1×2 matrices
  Tensor b = test::t({2, 2}, {1, 10, 100, 1000});   // shared 2×2
  expect_values(ops::matmul(a, b), {2, 1, 2}, {201, 2010, 403, 4030});
  // bᵀ as a view: [[1, 100], [10, 1000]]
  expect_values(ops::matmul(a, b.transpose(0, 1)), {2, 1, 2}, {21, 2100, 43, 4300});
}

TEST(OpsRef, Conv2dPaddingStrideGroups) {
  Tensor x = test::t({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w = test::t({1, 1, 2, 2}, {1, 0, 0, -1});  // x[i][j] − x[i+1][j+1]
  expect_values(ops::conv2d(x, w, Tensor(), 1, 1, 0, 0), {1, 1, 2, 2}, {-4, -4, -4, -4});
  expect_values(ops::conv2d(x, w, test::t({1}, {0.5}), 2, 2, 1, 1), {1, 1, 2, 2}, {-0.5, -2.5, -6.5, -3.5});
  // groups=2: each output channel sees only its own input channel
  Tensor x2 = test::t({1, 2, 1, 2}, {1, 2, 3, 4});
  Tensor w2 = test::t({2, 1, 1, 2}, {1, 1, 1, -1});
  expect_values(ops::conv2d(x2, w2, Tensor(), 1, 1, 0, 0, 2), {1, 2, 1, 1}, {3, -1});
}

TEST(OpsRef, ConvTranspose2x2Stride2) {
  Tensor x = test::t({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = test::t({1, 2, 2, 2}, {1, 2, 3, 4, 0, 1, 0, 0});  // [C=1, O=2, 2, 2]
  Tensor b = test::t({2}, {0, 100});
  expect_values(ops::conv_transpose2d(x, w, b, 2, 2), {1, 2, 4, 4},
                {1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16,  //
                 100, 101, 100, 102, 100, 100, 100, 100, 100, 103, 100, 104, 100, 100, 100, 100});
}

TEST(OpsRef, MaxPool) {
  Tensor x = test::t({1, 1, 3, 4}, {1, 5, 2, 0, 3, 4, 8, 1, 9, 0, 0, 7});
  expect_values(ops::max_pool2d(x, 2, 2), {1, 1, 1, 2}, {5, 8});
  expect_values(ops::max_pool2d(x, 2, 1), {1, 1, 2, 3}, {5, 8, 8, 9, 8, 8});
}

TEST(OpsRef, LayerNorm) {
  Tensor x = test::t({2, 4}, {1, 2, 3, 4, -1, -1, -1, 3});
  const float eps = 1e-5f;
  const float r0 = 1.f / std::sqrt(1.25f + eps), r1 = 1.f / std::sqrt(3.f + eps);
  expect_values(ops::layer_norm(x, Tensor(), Tensor(), eps), {2, 4},
                {-1.5f * r0, -0.5f * r0, 0.5f * r0, 1.5f * r0, -r1, -r1, -r1, 3 * r1}, 1e-5f);
  Tensor w = test::t({4}, {1, 2, 1, 1}), b = test::t({4}, {0, 0, 0, 10});
  expect_values(ops::layer_norm(x, w, b, eps), {2, 4},
                {-1.5f * r0, -1.f * r0, 0.5f * r0, 10 + 1.5f * r0, -r1, -2 * r1, -r1, 10 + 3 * r1}, 1e-5f);
}

TEST(OpsRef, GroupNorm) {
  // B=1, C=4, 2 groups, 2 spatial: group 0 = {0, 2, 4, 6} (mean 3, var 5), group 1 = {1, 1, 1, 1}
  Tensor x = test::t({1, 4, 1, 2}, {0, 2, 4, 6, 1, 1, 1, 1});
  const float eps = 1e-5f, r = 1.f / std::sqrt(5.f + eps);
  Tensor w = test::t({4}, {1, 1, 2, 1}), b = test::t({4}, {0, 1, 0, -1});
  expect_values(ops::group_norm(x, 2, w, b, eps), {1, 4, 1, 2}, {-3 * r, -r, r + 1, 3 * r + 1, 0, 0, -1, -1},
                1e-5f);
}

TEST(OpsRef, Activations) {
  Tensor x = test::t({5}, {-2, -1, 0, 1, 3});
  expect_values(ops::gelu(x), {5}, {-0.04550026f, -0.15865525f, 0, 0.84134475f, 2.99595031f});
  expect_values(ops::relu(x), {5}, {0, 0, 0, 1, 3});
  expect_values(ops::sigmoid(x), {5}, {0.11920292f, 0.26894142f, 0.5f, 0.73105858f, 0.95257413f});
  expect_values(ops::exp(x), {5}, {0.13533528f, 0.36787944f, 1, 2.71828183f, 20.08553692f}, 1e-5f);
  expect_values(ops::log(test::t({2}, {1, 2.71828183f})), {2}, {0, 1});
  expect_values(ops::clamp(x, -1, 1), {5}, {-1, -1, 0, 1, 1});
  expect_values(ops::add_scalar(x, 1), {5}, {-1, 0, 1, 2, 4});
  expect_values(ops::mul_scalar(x, -2), {5}, {4, 2, 0, -2, -6});
}

TEST(OpsRef, BroadcastingBinary) {
  Tensor a = test::t({2, 1}, {1, 2});
  Tensor b = test::t({3}, {10, 20, 30});
  expect_values(ops::add(a, b), {2, 3}, {11, 21, 31, 12, 22, 32});
  expect_values(ops::sub(a, b), {2, 3}, {-9, -19, -29, -8, -18, -28});
  expect_values(ops::mul(a, b), {2, 3}, {10, 20, 30, 20, 40, 60});
  expect_values(ops::div(b, a), {2, 3}, {10, 20, 30, 5, 10, 15});
  Tensor c = test::t({2, 3}, {1, 1, 1, 2, 2, 2});
  ops::add_(c, b);
  expect_values(c, {2, 3}, {11, 21, 31, 12, 22, 32});
  EXPECT_THROW(ops::add(b, test::t({2, 2}, {1, 2, 3, 4})), Error);
}

TEST(OpsRef, Softmax) {
  Tensor x = test::t({2, 3}, {1, 2, 3, 0, 0, 0});
  expect_values(ops::softmax(x), {2, 3}, {0.09003057f, 0.24472847f, 0.66524096f, 1 / 3.f, 1 / 3.f, 1 / 3.f});
  // over dim 0: columns (1,0), (2,0), (3,0)
  expect_values(ops::softmax(x, 0), {2, 3},
                {0.73105858f, 0.88079708f, 0.95257413f, 0.26894142f, 0.11920292f, 0.04742587f});
}

TEST(OpsRef, HalfInputsAreConverted) {
  Tensor x = test::t({1, 3}, {1.5f, -2.f, 0.25f});
  Tensor w = test::t({1, 3}, {2, 1, 4});
  expect_values(ops::linear(x.to(DType::kBF16), w.to(DType::kF16)), {1, 1}, {2});
  Tensor g = ops::gelu(x.to(DType::kF16));
  EXPECT_EQ(g.dtype(), DType::kF32);
  expect_values(g, {1, 3}, {1.39978f, -0.04550026f, 0.14967658f}, 1e-5f);
}
