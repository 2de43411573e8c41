// Optimised kernels (ops::, dispatching to sam3rt::cpu) vs the reference kernels (cpu::ref) on
// random inputs, odd shapes and non-contiguous views: linear algebra and convolutions.
#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "ops/ops-test-util.h"

using namespace sam3rt;
using test::expect_close;
using test::random_tensor;

TEST(OpsOpt, LinearContiguousAndBias) {
  Tensor x = random_tensor({3, 7, 37}, 1), w = random_tensor({29, 37}, 2), b = random_tensor({29}, 3);
  expect_close(ops::linear(x, w, b), cpu::ref::linear(x, w, b));
  expect_close(ops::linear(x, w), cpu::ref::linear(x, w, Tensor()));
  Tensor x1 = random_tensor({37}, 4);
  expect_close(ops::linear(x1, w, b), cpu::ref::linear(x1, w, b));
}

TEST(OpsOpt, LinearStridedViews) {
  Tensor w = random_tensor({29, 37}, 5), b = random_tensor({29}, 6);
  // transposed x (column-major rows) → BLAS transpose flag
  Tensor xt = random_tensor({37, 21}, 7).transpose(0, 1);
  expect_close(ops::linear(xt, w, b), cpu::ref::linear(xt, w, b));
  // column slice: row stride 50
  Tensor xs = random_tensor({5, 50}, 8).slice(1, 3, 40);
  expect_close(ops::linear(xs, w, b), cpu::ref::linear(xs, w, b));
  // transposed weight view
  Tensor wt = random_tensor({37, 29}, 9).transpose(0, 1);
  expect_close(ops::linear(xs, wt, b), cpu::ref::linear(xs, wt, b));
  // leading dims that do not collapse (permuted) → copied
  Tensor xp = random_tensor({6, 4, 37}, 10).permute({1, 0, 2});
  expect_close(ops::linear(xp, w, b), cpu::ref::linear(xp, w, b));
  // bf16 input is converted first
  Tensor xb = random_tensor({9, 37}, 11).to(DType::kBF16);
  expect_close(ops::linear(xb, w, b), cpu::ref::linear(xb.to(DType::kF32), w, b));
}

TEST(OpsOpt, MatmulShapesAndViews) {
  // shared right operand → one tall GEMM
  Tensor a = random_tensor({2, 3, 17, 13}, 20), b = random_tensor({13, 11}, 21);
  expect_close(ops::matmul(a, b), cpu::ref::matmul(a, b));
  // broadcasting of leading dims both ways
  Tensor a2 = random_tensor({2, 1, 17, 13}, 22), b2 = random_tensor({3, 13, 11}, 23);
  expect_close(ops::matmul(a2, b2), cpu::ref::matmul(a2, b2));
  // transposed views of both operands (e.g. q·kᵀ)
  Tensor at = random_tensor({4, 13, 17}, 24).transpose(1, 2);
  Tensor bt = random_tensor({4, 11, 13}, 25).transpose(1, 2);
  expect_close(ops::matmul(at, bt), cpu::ref::matmul(at, bt));
  // permuted batch dims (heads out of [B, L, H, D])
  Tensor q = random_tensor({2, 19, 3, 8}, 26).permute({0, 2, 1, 3});
  Tensor kt = random_tensor({2, 23, 3, 8}, 27).permute({0, 2, 3, 1});
  expect_close(ops::matmul(q, kt), cpu::ref::matmul(q, kt));
  // large enough for BLAS threads inside each product
  Tensor a3 = random_tensor({2, 130, 140}, 28), b3 = random_tensor({2, 140, 131}, 29);
  expect_close(ops::matmul(a3, b3), cpu::ref::matmul(a3, b3));
  // a single row / column
  Tensor r = random_tensor({1, 13}, 30), c = random_tensor({13, 1}, 31);
  expect_close(ops::matmul(r, b), cpu::ref::matmul(r, b));
  expect_close(ops::matmul(a, c), cpu::ref::matmul(a, c));
}

namespace {
void check_conv(const Tensor& x, const Tensor& w, bool bias, int s, int p, int groups = 1) {
  Tensor b = bias ? random_tensor({w.size(0)}, 99) : Tensor();
  expect_close(ops::conv2d(x, w, b, s, s, p, p, groups), cpu::ref::conv2d(x, w, b, s, s, p, p, groups));
}
}  // namespace

TEST(OpsOpt, Conv2dPaths) {
  check_conv(random_tensor({2, 5, 11, 13}, 40), random_tensor({7, 5, 3, 3}, 41), true, 1, 1);   // 3×3 pad 1
  check_conv(random_tensor({1, 6, 9, 10}, 42), random_tensor({4, 6, 7, 7}, 43), true, 1, 0);    // 7×7 no pad
  check_conv(random_tensor({2, 5, 11, 13}, 44), random_tensor({7, 5, 1, 1}, 45), true, 1, 0);   // 1×1
  check_conv(random_tensor({2, 3, 12, 16}, 46), random_tensor({8, 3, 4, 4}, 47), false, 4, 0);  // patchify
  check_conv(random_tensor({1, 3, 14, 17}, 48), random_tensor({8, 3, 4, 4}, 49), true, 4, 0);   // patchify, ragged
  check_conv(random_tensor({2, 4, 9, 8}, 50), random_tensor({6, 4, 3, 3}, 51), true, 2, 1);     // stride 2
  check_conv(random_tensor({1, 4, 9, 8}, 52), random_tensor({6, 2, 3, 3}, 53), true, 1, 1, 2);  // groups
  check_conv(random_tensor({3, 4, 7, 7}, 54), random_tensor({5, 4, 7, 7}, 55), true, 1, 0);     // RoI conv → 1×1
  check_conv(random_tensor({1, 3, 5, 6}, 56), random_tensor({2, 3, 2, 3}, 57), true, 1, 2);     // pad > kernel/2
  // NHWC storage permuted to NCHW (non-contiguous input)
  check_conv(random_tensor({2, 11, 13, 5}, 58).permute({0, 3, 1, 2}), random_tensor({7, 5, 3, 3}, 59), true, 1, 1);
}

TEST(OpsOpt, Conv2dTiledIm2col) {
  // K·Wo = 576·100 → several row tiles of the column buffer
  check_conv(random_tensor({1, 64, 150, 100}, 60), random_tensor({3, 64, 3, 3}, 61), true, 1, 1);
}

TEST(OpsOpt, ConvTranspose) {
  Tensor x = random_tensor({2, 6, 7, 9}, 70), w = random_tensor({6, 5, 2, 2}, 71), b = random_tensor({5}, 72);
  expect_close(ops::conv_transpose2d(x, w, b, 2, 2), cpu::ref::conv_transpose2d(x, w, b, 2, 2));
  expect_close(ops::conv_transpose2d(x, w, Tensor(), 2, 2), cpu::ref::conv_transpose2d(x, w, Tensor(), 2, 2));
  Tensor w3 = random_tensor({6, 5, 3, 3}, 73);  // overlapping footprints
  expect_close(ops::conv_transpose2d(x, w3, b, 2, 2), cpu::ref::conv_transpose2d(x, w3, b, 2, 2));
  Tensor xp = random_tensor({2, 7, 9, 6}, 74).permute({0, 3, 1, 2});
  expect_close(ops::conv_transpose2d(xp, w, b, 2, 2), cpu::ref::conv_transpose2d(xp, w, b, 2, 2));
}
