// Optimised kernels vs the reference kernels: normalisation, elementwise, softmax, attention,
// RoPE and bilinear resampling, on random inputs, odd shapes and non-contiguous views.
#include <cmath>
#include <limits>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "ops/ops-test-util.h"

using namespace sam3rt;
using test::expect_close;
using test::random_tensor;

TEST(OpsOpt, LayerNorm) {
  Tensor x = random_tensor({3, 5, 1027}, 100, -3.f, 5.f), w = random_tensor({1027}, 101), b = random_tensor({1027}, 102);
  expect_close(ops::layer_norm(x, w, b, 1e-5f), cpu::ref::layer_norm(x, w, b, 1e-5f));
  expect_close(ops::layer_norm(x, w, Tensor(), 1e-6f), cpu::ref::layer_norm(x, w, Tensor(), 1e-6f));
  expect_close(ops::layer_norm(x, Tensor(), Tensor(), 1e-5f), cpu::ref::layer_norm(x, Tensor(), Tensor(), 1e-5f));
  // far-from-zero mean (cancellation) and a transposed view
  Tensor off = random_tensor({64, 33}, 103, 100.f, 101.f).transpose(0, 1);
  Tensor w2 = random_tensor({64}, 104), b2 = random_tensor({64}, 105);
  expect_close(ops::layer_norm(off, w2, b2, 1e-5f), cpu::ref::layer_norm(off, w2, b2, 1e-5f));
}

TEST(OpsOpt, GroupNorm) {
  Tensor x = random_tensor({2, 12, 5, 7}, 110, -2.f, 3.f), w = random_tensor({12}, 111), b = random_tensor({12}, 112);
  expect_close(ops::group_norm(x, 4, w, b, 1e-5f), cpu::ref::group_norm(x, 4, w, b, 1e-5f));
  Tensor x2 = random_tensor({1, 8, 33}, 113);
  expect_close(ops::group_norm(x2, 8, Tensor(), Tensor(), 1e-5f), cpu::ref::group_norm(x2, 8, Tensor(), Tensor(), 1e-5f));
  Tensor xp = random_tensor({2, 5, 7, 12}, 114).permute({0, 3, 1, 2});
  expect_close(ops::group_norm(xp, 3, w, b, 1e-5f), cpu::ref::group_norm(xp, 3, w, b, 1e-5f));
}

TEST(OpsOpt, Unary) {
  Tensor x = random_tensor({3, 50021}, 120, -9.f, 9.f);
  Tensor xv = random_tensor({301, 257}, 121, -6.f, 6.f).transpose(0, 1);
  for (Tensor in : {x, xv}) {
    expect_close(ops::gelu(in), cpu::ref::unary(cpu::UnaryOp::kGelu, in, 0, 0));
    expect_close(ops::relu(in), cpu::ref::unary(cpu::UnaryOp::kRelu, in, 0, 0));
    expect_close(ops::sigmoid(in), cpu::ref::unary(cpu::UnaryOp::kSigmoid, in, 0, 0));
    expect_close(ops::exp(in), cpu::ref::unary(cpu::UnaryOp::kExp, in, 0, 0));
    expect_close(ops::clamp(in, -1.5f, 2.f), cpu::ref::unary(cpu::UnaryOp::kClamp, in, -1.5f, 2.f));
    expect_close(ops::add_scalar(in, 0.25f), cpu::ref::unary(cpu::UnaryOp::kAddScalar, in, 0.25f, 0));
    expect_close(ops::mul_scalar(in, -3.f), cpu::ref::unary(cpu::UnaryOp::kMulScalar, in, -3.f, 0));
  }
  Tensor pos = random_tensor({4097}, 122, 1e-3f, 50.f);
  expect_close(ops::log(pos), cpu::ref::unary(cpu::UnaryOp::kLog, pos, 0, 0));
  // wide range for exp/sigmoid tails: relative error per element stays small
  Tensor wide = random_tensor({2000}, 123, -80.f, 80.f);
  Tensor e = ops::exp(wide), er = cpu::ref::unary(cpu::UnaryOp::kExp, wide, 0, 0);
  for (int64_t i = 0; i < wide.numel(); ++i)
    ASSERT_NEAR(e.data<float>()[i] / er.data<float>()[i], 1.f, 1e-6f) << wide.data<float>()[i];
}

TEST(OpsOpt, BinaryBroadcasting) {
  Tensor a = random_tensor({4, 6, 7}, 130), b = random_tensor({4, 6, 7}, 131, 0.5f, 2.f);
  expect_close(ops::add(a, b), cpu::ref::binary(cpu::BinaryOp::kAdd, a, b));
  expect_close(ops::div(a, b), cpu::ref::binary(cpu::BinaryOp::kDiv, a, b));
  Tensor c = random_tensor({6, 1}, 132, 0.5f, 2.f), d = random_tensor({7}, 133);
  expect_close(ops::mul(a, c), cpu::ref::binary(cpu::BinaryOp::kMul, a, c));
  expect_close(ops::sub(d, a), cpu::ref::binary(cpu::BinaryOp::kSub, d, a));
  expect_close(ops::sub(c, d), cpu::ref::binary(cpu::BinaryOp::kSub, c, d));
  Tensor at = random_tensor({7, 6, 4}, 134).permute({2, 1, 0});
  expect_close(ops::add(at, a), cpu::ref::binary(cpu::BinaryOp::kAdd, at, a));
  Tensor s = random_tensor({1}, 135, 0.5f, 2.f);
  expect_close(ops::div(at, s), cpu::ref::binary(cpu::BinaryOp::kDiv, at, s));
}

TEST(OpsOpt, AddInplace) {
  Tensor a = random_tensor({33, 70}, 140), b = random_tensor({70}, 141);
  Tensor want = cpu::ref::binary(cpu::BinaryOp::kAdd, a, b);
  ops::add_(a, b);
  expect_close(a, want);
  Tensor a2 = random_tensor({33, 70}, 142), b2 = random_tensor({70, 33}, 143).transpose(0, 1);
  Tensor want2 = cpu::ref::binary(cpu::BinaryOp::kAdd, a2, b2);
  ops::add_(a2, b2);
  expect_close(a2, want2);
}

TEST(OpsOpt, Softmax) {
  Tensor x = random_tensor({7, 1001}, 150, -20.f, 20.f);
  expect_close(ops::softmax(x), cpu::ref::softmax(x, 1));
  Tensor y = random_tensor({3, 17, 5}, 151, -5.f, 5.f);
  expect_close(ops::softmax(y, 1), cpu::ref::softmax(y, 1));
  expect_close(ops::softmax(y, 0), cpu::ref::softmax(y, 0));
  Tensor yt = y.transpose(1, 2);
  expect_close(ops::softmax(yt, -1), cpu::ref::softmax(yt, 2));
}

namespace {
Tensor random_mask(int64_t B, int64_t L, uint64_t seed, bool fully_mask_last) {
  Tensor r = random_tensor({B, L}, seed);
  Tensor m = Tensor::empty({B, L}, DType::kU8);
  for (int64_t i = 0; i < B * L; ++i) m.data<uint8_t>()[i] = r.data<float>()[i] > 0.4f ? 1 : 0;
  if (fully_mask_last)
    for (int64_t j = 0; j < L; ++j) m.data<uint8_t>()[(B - 1) * L + j] = 1;
  return m;
}
Tensor expand_bias(const Tensor& bias, const Shape& full) {
  Tensor v = bias;
  while (v.dim() < 4) v = v.unsqueeze(0);
  return v.expand(full);
}
}  // namespace

TEST(OpsOpt, AttentionPlain) {
  // several key blocks with a ragged tail, Dv ≠ D, query blocks with a ragged tail
  Tensor q = random_tensor({2, 3, 70, 16}, 160), k = random_tensor({2, 3, 600, 16}, 161);
  Tensor v = random_tensor({2, 3, 600, 24}, 162);
  expect_close(ops::attention(q, k, v, Tensor(), Tensor(), 0.25f),
               cpu::ref::attention(q, k, v, Tensor(), Tensor(), 0.25f));
  // large logits (exercise the running-max rescaling)
  expect_close(ops::attention(q, k, v, Tensor(), Tensor(), 4.f), cpu::ref::attention(q, k, v, Tensor(), Tensor(), 4.f));
  // several query blocks (ragged tail) and key blocks, with a key padding mask
  Tensor q2 = random_tensor({1, 2, 300, 16}, 166), k2 = random_tensor({1, 2, 1100, 16}, 167);
  Tensor v2 = random_tensor({1, 2, 1100, 8}, 168);
  Tensor m2 = Tensor::zeros({1, 1100}, DType::kU8);
  for (int64_t j = 0; j < 1100; j += 3) m2.data<uint8_t>()[j] = 1;
  for (int64_t j = 512; j < 1024; ++j) m2.data<uint8_t>()[j] = 1;  // a whole key block of padding
  expect_close(ops::attention(q2, k2, v2, m2, Tensor(), 0.5f), cpu::ref::attention(q2, k2, v2, m2, Tensor(), 0.5f));
  // stride-0 (expanded) sequence dimension on k and a broadcast v: copied before BLAS sees them
  Tensor ke = random_tensor({1, 2, 1, 16}, 169).expand({1, 2, 90, 16});
  Tensor ve = random_tensor({1, 2, 90, 8}, 170);
  Tensor q3 = random_tensor({1, 2, 5, 16}, 171);
  expect_close(ops::attention(q3, ke, ve, Tensor(), Tensor(), 0.5f), cpu::ref::attention(q3, ke, ve, Tensor(), Tensor(), 0.5f));
  // single query, single key
  Tensor q1 = random_tensor({1, 2, 1, 8}, 163), k1 = random_tensor({1, 2, 1, 8}, 164), v1 = random_tensor({1, 2, 1, 8}, 165);
  expect_close(ops::attention(q1, k1, v1, Tensor(), Tensor(), 0.3f),
               cpu::ref::attention(q1, k1, v1, Tensor(), Tensor(), 0.3f));
}

TEST(OpsOpt, AttentionMaskBiasViews) {
  const int64_t B = 3, H = 2, Lq = 45, Lk = 530, D = 8;
  Tensor q = random_tensor({B, Lq, H, D}, 170).permute({0, 2, 1, 3});  // heads out of [B, L, H, D]
  Tensor k = random_tensor({B, Lk, H, D}, 171).permute({0, 2, 1, 3});
  Tensor v = random_tensor({B, Lk, H, D}, 172).permute({0, 2, 1, 3});
  Tensor mask = random_mask(B, Lk, 173, true);  // last batch entirely padding → zeros
  const Shape full{B, H, Lq, Lk};
  Tensor bias = random_tensor({B, H, Lq, Lk}, 174, -2.f, 2.f);
  expect_close(ops::attention(q, k, v, mask, bias, 0.35f), cpu::ref::attention(q, k, v, mask, bias, 0.35f));
  Tensor head_bias = random_tensor({H, 1, Lk}, 175, -3.f, 3.f);  // per head, broadcast over queries
  expect_close(ops::attention(q, k, v, mask, head_bias, 0.35f),
               cpu::ref::attention(q, k, v, mask, expand_bias(head_bias, full), 0.35f));
  expect_close(ops::attention(q, k, v, Tensor(), head_bias, 0.35f),
               cpu::ref::attention(q, k, v, Tensor(), expand_bias(head_bias, full), 0.35f));
  // −∞ entries in the bias (an attention mask expressed as bias), including whole rows
  Tensor inf_bias = random_tensor({B, 1, Lq, Lk}, 176);
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < inf_bias.numel(); ++i)
    if (inf_bias.data<float>()[i] > 0.5f || (i / Lk) % Lq == 3) inf_bias.data<float>()[i] = -inf;
  Tensor got = ops::attention(q, k, v, Tensor(), inf_bias, 0.35f);
  expect_close(got, cpu::ref::attention(q, k, v, Tensor(), expand_bias(inf_bias, full), 0.35f));
  EXPECT_EQ(got.item_at({0, 1, 3, 5}), 0.f);
  Tensor masked = ops::attention(q, k, v, mask, Tensor(), 0.35f);
  for (int64_t d = 0; d < D; ++d) EXPECT_EQ(masked.item_at({B - 1, 1, 7, d}), 0.f);
}

TEST(OpsOpt, ApplyRope) {
  Tensor x = random_tensor({2, 3, 37, 16}, 180);
  Tensor table = ops::axial_rope_table(16, 37, 1, 10000.f, 0.7f);
  expect_close(ops::apply_rope(x, table), cpu::ref::apply_rope(x, table));
  Tensor xp = random_tensor({2, 37, 3, 16}, 181).permute({0, 2, 1, 3});
  expect_close(ops::apply_rope(xp, table), cpu::ref::apply_rope(xp, table));
  Tensor xt = random_tensor({2, 3, 16, 37}, 182).transpose(2, 3);  // strided last dimension
  expect_close(ops::apply_rope(xt, table), cpu::ref::apply_rope(xt, table));
}

TEST(OpsOpt, InterpolateNearest) {
  Tensor x = random_tensor({2, 3, 17, 23}, 195);
  for (auto [oh, ow] : {std::pair{34, 46}, {41, 50}, {5, 7}, {17, 23}, {144, 144}})
    EXPECT_EQ(test::max_abs_diff(ops::interpolate_nearest(x, oh, ow), cpu::ref::interpolate_nearest(x, oh, ow)), 0.0)
        << oh << "x" << ow;
  Tensor xp = random_tensor({2, 17, 23, 3}, 196).permute({0, 3, 1, 2});
  EXPECT_EQ(test::max_abs_diff(ops::interpolate_nearest(xp, 40, 9), cpu::ref::interpolate_nearest(xp, 40, 9)), 0.0);
}

TEST(OpsOpt, InterpolateBilinear) {
  Tensor x = random_tensor({2, 3, 17, 23}, 190);
  expect_close(ops::interpolate_bilinear(x, 41, 50), cpu::ref::interpolate_bilinear(x, 41, 50));
  expect_close(ops::interpolate_bilinear(x, 5, 7), cpu::ref::interpolate_bilinear(x, 5, 7));
  Tensor xp = random_tensor({2, 17, 23, 3}, 191).permute({0, 3, 1, 2});
  expect_close(ops::interpolate_bilinear(xp, 30, 11), cpu::ref::interpolate_bilinear(xp, 30, 11));
}

// f16/bf16 inputs are converted to f32 before the kernel runs: the result equals the kernel on the
// converted values (the conversion itself is the only rounding).
TEST(OpsOpt, HalfPrecisionInputs) {
  Tensor q = random_tensor({1, 2, 40, 16}, 200).to(DType::kBF16), k = random_tensor({1, 2, 90, 16}, 201).to(DType::kF16);
  Tensor v = random_tensor({1, 2, 90, 16}, 202).to(DType::kBF16);
  Tensor bias = random_tensor({2, 40, 90}, 203).to(DType::kF16);
  const Shape full{1, 2, 40, 90};
  expect_close(ops::attention(q, k, v, Tensor(), bias, 0.25f),
               cpu::ref::attention(q.to(DType::kF32), k.to(DType::kF32), v.to(DType::kF32), Tensor(),
                                   bias.to(DType::kF32).unsqueeze(0).expand(full), 0.25f));
  Tensor x = random_tensor({1, 4, 9, 9}, 204).to(DType::kF16), w = random_tensor({6, 4, 3, 3}, 205).to(DType::kBF16);
  expect_close(ops::conv2d(x, w, Tensor(), 1, 1, 1, 1),
               cpu::ref::conv2d(x.to(DType::kF32), w.to(DType::kF32), Tensor(), 1, 1, 1, 1, 1));
  Tensor ln = random_tensor({5, 33}, 206).to(DType::kBF16), lw = random_tensor({33}, 207).to(DType::kF16);
  expect_close(ops::layer_norm(ln, lw, Tensor(), 1e-5f),
               cpu::ref::layer_norm(ln.to(DType::kF32), lw.to(DType::kF32), Tensor(), 1e-5f));
  Tensor a = random_tensor({3, 7}, 208).to(DType::kF16), b = random_tensor({7}, 209).to(DType::kBF16);
  Tensor sum = ops::add(a, b);
  EXPECT_EQ(sum.dtype(), DType::kF32);
  expect_close(sum, cpu::ref::binary(cpu::BinaryOp::kAdd, a.to(DType::kF32), b.to(DType::kF32)));
}
