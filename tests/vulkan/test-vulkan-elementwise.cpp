// Vulkan elementwise (adapted from tests/cuda/test-cuda-elementwise.cpp), normalisation, reduction, gather
// and resampling kernels against the CPU reference kernels: ops:: on the GPU (so the dispatch is tested too)
// vs cpu::ref:: on the host, on random inputs, odd shapes, non-contiguous views, broadcasting, NaN/inf and
// empty tensors.
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

using cpu::BinaryOp;
using cpu::UnaryOp;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor on_gpu(const Tensor& t) { return t.to(gpu()); }

// Element by element, for results with NaN/inf: NaN where the reference has NaN, the same infinity,
// and |ours − ref| ≤ rel·|ref| + abs elsewhere.
void expect_close_specials(const Tensor& ours, const Tensor& ref, double rel, double abs = 1e-30,
                           const std::string& what = "") {
  ASSERT_EQ(ours.device(), gpu()) << what;
  ASSERT_EQ(ours.shape(), ref.shape()) << what;
  const std::vector<float> o = ours.to(Device::cpu()).to_vector(), r = ref.to_vector();
  for (size_t i = 0; i < r.size(); ++i) {
    if (std::isnan(r[i])) {
      EXPECT_TRUE(std::isnan(o[i])) << what << " element " << i << ": " << o[i] << ", want NaN";
    } else if (std::isinf(r[i])) {
      EXPECT_EQ(o[i], r[i]) << what << " element " << i;
    } else {
      EXPECT_NEAR(o[i], r[i], rel * std::fabs(r[i]) + abs) << what << " element " << i;
    }
  }
}

// Bit-for-bit equal values (finite inputs).
void expect_vulkan_equal(const Tensor& ours, const Tensor& ref, const std::string& what = "") {
  ASSERT_EQ(ours.device(), gpu()) << what;
  ASSERT_EQ(ours.shape(), ref.shape()) << what;
  EXPECT_EQ(ours.dtype(), ref.dtype()) << what;
  EXPECT_EQ(max_abs_diff(ours.to(Device::cpu()), ref), 0.0) << what;
}

Tensor random_u8_mask(const Shape& shape, uint64_t seed, float padding_fraction) {
  const Tensor r = random_tensor(shape, seed, 0.f, 1.f);
  Tensor m = Tensor::empty(shape, DType::kU8);
  for (int64_t i = 0; i < m.numel(); ++i)
    m.data<uint8_t>()[i] = r.data<float>()[i] < padding_fraction ? 1 : 0;
  return m;
}

Tensor random_ids(const Shape& shape, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> dist(0, vocab - 1);
  std::vector<int32_t> v(static_cast<size_t>(shape.numel()));
  for (auto& id : v) id = dist(rng);
  return Tensor::from_vector_i32(shape, v);
}

// --- unary -----------------------------------------------------------------------------------------

struct UnaryCase {
  const char* name;
  UnaryOp op;
  std::function<Tensor(const Tensor&)> call;
  float p0 = 0.f, p1 = 0.f;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"gelu", UnaryOp::kGelu, [](const Tensor& x) { return ops::gelu(x); }},
      {"relu", UnaryOp::kRelu, [](const Tensor& x) { return ops::relu(x); }},
      {"sigmoid", UnaryOp::kSigmoid, [](const Tensor& x) { return ops::sigmoid(x); }},
      {"exp", UnaryOp::kExp, [](const Tensor& x) { return ops::exp(x); }},
      {"clamp", UnaryOp::kClamp, [](const Tensor& x) { return ops::clamp(x, -1.5f, 2.f); }, -1.5f, 2.f},
      {"add_scalar", UnaryOp::kAddScalar, [](const Tensor& x) { return ops::add_scalar(x, 0.25f); }, 0.25f},
      {"mul_scalar", UnaryOp::kMulScalar, [](const Tensor& x) { return ops::mul_scalar(x, -3.f); }, -3.f},
  };
}

TEST(VulkanElementwise, UnaryMatchesReference) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({3, 50021}, 120, -9.f, 9.f);
  const Tensor xt = random_tensor({301, 257}, 121, -6.f, 6.f);
  const std::vector<std::pair<Tensor, Tensor>> inputs = {
      {x, on_gpu(x)},
      {xt.transpose(0, 1), on_gpu(xt).transpose(0, 1)},  // transposed
      {xt.slice(0, 3, 300, 7).slice(1, 1, 257, 2),
       on_gpu(xt).slice(0, 3, 300, 7).slice(1, 1, 257, 2)},  // stepped
      {xt.select(1, 5).unsqueeze(0).expand({4, 301}), on_gpu(xt).select(1, 5).unsqueeze(0).expand({4, 301})},
  };
  for (const auto& c : unary_cases())
    for (const auto& [h, d] : inputs)
      expect_vulkan_close(c.call(d), cpu::ref::unary(c.op, h, c.p0, c.p1), 1e-6, c.name);
  // relu, clamp and the scalar ops round once, exactly as the reference's f64 result rounded to f32
  for (const auto& [h, d] : inputs) {
    expect_vulkan_equal(ops::relu(d), cpu::ref::unary(UnaryOp::kRelu, h, 0, 0), "relu");
    expect_vulkan_equal(ops::clamp(d, -1.5f, 2.f), cpu::ref::unary(UnaryOp::kClamp, h, -1.5f, 2.f), "clamp");
    expect_vulkan_equal(ops::add_scalar(d, 0.3f), cpu::ref::unary(UnaryOp::kAddScalar, h, 0.3f, 0),
                        "add_scalar");
    expect_vulkan_equal(ops::mul_scalar(d, -0.7f), cpu::ref::unary(UnaryOp::kMulScalar, h, -0.7f, 0),
                        "mul_scalar");
  }
  const Tensor pos = random_tensor({4097}, 122, 1e-3f, 50.f);
  expect_vulkan_close(ops::log(on_gpu(pos)), cpu::ref::unary(UnaryOp::kLog, pos, 0, 0), 1e-6, "log");
}

TEST(VulkanElementwise, UnaryTailsPerElement) {
  SAM3RT_REQUIRE_VULKAN();
  // exp and sigmoid over a wide range: relative error per element (expf: ≤ 2 ulp)
  const Tensor wide = random_tensor({2000}, 123, -80.f, 80.f);
  expect_close_specials(ops::exp(on_gpu(wide)), cpu::ref::unary(UnaryOp::kExp, wide, 0, 0), 1e-6, 0, "exp");
  expect_close_specials(ops::sigmoid(on_gpu(wide)), cpu::ref::unary(UnaryOp::kSigmoid, wide, 0, 0), 1e-6, 0,
                        "sigmoid");
  // gelu's negative tail, where 1 + erf(x/√2) cancels: per-element relative error stays small.
  // The oracle is 0.5·x·erfc(−x/√2) in double: the reference kernel's 1 + erf cancels even in f64
  // (absolute error ~1e-16 on values down to ~1e-12, i.e. up to 4e-5 relative at x = −7). The bound
  // is 1e-5, not 1e-6: the f32 argument x/√2 carries ½ ulp, which erfc amplifies by ~2z·z (≤ 50
  // here) in relative terms (≤ 3e-6).
  const Tensor tail = random_tensor({3000}, 124, -7.f, -3.f);
  std::vector<float> tail_exact;
  for (float v : tail.to_vector())
    tail_exact.push_back(static_cast<float>(0.5 * v * std::erfc(-v / std::sqrt(2.0))));
  expect_close_specials(ops::gelu(on_gpu(tail)), Tensor::from_vector({3000}, tail_exact), 1e-5, 0,
                        "gelu tail");
  const Tensor log_in = random_tensor({3000}, 125, 1e-30f, 1e30f);
  expect_close_specials(ops::log(on_gpu(log_in)), cpu::ref::unary(UnaryOp::kLog, log_in, 0, 0), 1e-6, 0,
                        "log");
}

TEST(VulkanElementwise, UnaryNaNAndInf) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x =
      Tensor::from_vector({11}, {kNaN, kInf, -kInf, 0.f, -0.f, 1.f, -1.f, 100.f, -100.f, 3.f, -2.f});
  const Tensor d = on_gpu(x);
  for (const auto& c : unary_cases())
    expect_close_specials(c.call(d), cpu::ref::unary(c.op, x, c.p0, c.p1), 1e-6, 1e-30, c.name);
  expect_close_specials(ops::log(d), cpu::ref::unary(UnaryOp::kLog, x, 0, 0), 1e-6, 1e-30, "log");
}

// --- binary ----------------------------------------------------------------------------------------

TEST(VulkanElementwise, BinaryBroadcasting) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor a = random_tensor({4, 6, 7}, 130), b = random_tensor({4, 6, 7}, 131, 0.5f, 2.f);
  const Tensor c = random_tensor({6, 1}, 132, 0.5f, 2.f), e = random_tensor({7}, 133);
  const Tensor at_src = random_tensor({7, 6, 4}, 134), s = random_tensor({1}, 135, 0.5f, 2.f);
  const Tensor f = random_tensor({2, 1, 5}, 136), g = random_tensor({3, 1}, 137, 0.5f, 2.f);
  const Tensor at = at_src.permute({2, 1, 0}), atd = on_gpu(at_src).permute({2, 1, 0});
  struct Case {
    BinaryOp op;
    Tensor ha, hb, da, db;
  };
  const std::vector<Case> cases = {
      {BinaryOp::kAdd, a, b, on_gpu(a), on_gpu(b)},
      {BinaryOp::kDiv, a, b, on_gpu(a), on_gpu(b)},
      {BinaryOp::kMul, a, c, on_gpu(a), on_gpu(c)},
      {BinaryOp::kSub, e, a, on_gpu(e), on_gpu(a)},
      {BinaryOp::kSub, c, e, on_gpu(c), on_gpu(e)},  // [6, 1] − [7] → [6, 7]
      {BinaryOp::kAdd, at, a, atd, on_gpu(a)},       // permuted view
      {BinaryOp::kDiv, at, s, atd, on_gpu(s)},       // scalar-like [1]
      {BinaryOp::kMul, f, g, on_gpu(f), on_gpu(g)},  // [2, 1, 5] · [3, 1] → [2, 3, 5]
      {BinaryOp::kDiv, g, f, on_gpu(g), on_gpu(f)},
      {BinaryOp::kSub, a.slice(2, 1, 7, 2), e.slice(0, 0, 3), on_gpu(a).slice(2, 1, 7, 2),
       on_gpu(e).slice(0, 0, 3)},
      {BinaryOp::kAdd, e.unsqueeze(0).expand({5, 7}), c.slice(0, 0, 5), on_gpu(e).unsqueeze(0).expand({5, 7}),
       on_gpu(c).slice(0, 0, 5)},
  };
  const std::function<Tensor(const Tensor&, const Tensor&)> call[] = {
      [](const Tensor& x, const Tensor& y) { return ops::add(x, y); },
      [](const Tensor& x, const Tensor& y) { return ops::sub(x, y); },
      [](const Tensor& x, const Tensor& y) { return ops::mul(x, y); },
      [](const Tensor& x, const Tensor& y) { return ops::div(x, y); },
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    // one IEEE f32 operation = the reference's f64 result rounded once: bit-identical
    expect_vulkan_equal(call[static_cast<int>(k.op)](k.da, k.db), cpu::ref::binary(k.op, k.ha, k.hb),
                        "case " + std::to_string(i));
  }
}

TEST(VulkanElementwise, BinaryNaNAndInf) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor a = Tensor::from_vector({6}, {1.f, -1.f, 0.f, kNaN, kInf, kInf});
  const Tensor b = Tensor::from_vector({6}, {0.f, 0.f, 0.f, 1.f, kInf, 2.f});
  expect_close_specials(ops::div(on_gpu(a), on_gpu(b)), cpu::ref::binary(BinaryOp::kDiv, a, b), 0, 0, "div");
  expect_close_specials(ops::sub(on_gpu(a), on_gpu(b)), cpu::ref::binary(BinaryOp::kSub, a, b), 0, 0, "sub");
  expect_close_specials(ops::mul(on_gpu(a), on_gpu(b)), cpu::ref::binary(BinaryOp::kMul, a, b), 0, 0, "mul");
}

TEST(VulkanElementwise, AddInplace) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor a = random_tensor({33, 70}, 140), b = random_tensor({70}, 141);
  Tensor da = on_gpu(a);
  ops::add_(da, on_gpu(b));
  expect_vulkan_equal(da, cpu::ref::binary(BinaryOp::kAdd, a, b), "row bias");
  const Tensor b2 = random_tensor({70, 33}, 143);
  da = on_gpu(a);
  ops::add_(da, on_gpu(b2).transpose(0, 1));
  expect_vulkan_equal(da, cpu::ref::binary(BinaryOp::kAdd, a, b2.transpose(0, 1)), "transposed");
  const Tensor b3 = random_tensor({33, 1}, 144);
  da = on_gpu(a);
  ops::add_(da, on_gpu(b3));
  expect_vulkan_equal(da, cpu::ref::binary(BinaryOp::kAdd, a, b3), "column");
  // b overlapping a: the reference adds a copy of b (row 0 before the update)
  da = on_gpu(a);
  ops::add_(da, da.select(0, 0));
  expect_vulkan_equal(da, cpu::ref::binary(BinaryOp::kAdd, a, a.select(0, 0)), "b is a row of a");
  da = on_gpu(a);
  ops::add_(da, da);
  expect_vulkan_equal(da, cpu::ref::binary(BinaryOp::kAdd, a, a), "b is a");
}

// --- softmax ---------------------------------------------------------------------------------------

TEST(VulkanElementwise, Softmax) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({7, 1001}, 150, -20.f, 20.f);
  expect_vulkan_close(ops::softmax(on_gpu(x)), cpu::ref::softmax(x, 1), 1e-5, "last dim");
  const Tensor y = random_tensor({3, 17, 5}, 151, -5.f, 5.f);
  for (int dim = 0; dim < 3; ++dim)
    expect_vulkan_close(ops::softmax(on_gpu(y), dim), cpu::ref::softmax(y, dim), 1e-5,
                        "dim " + std::to_string(dim));
  expect_vulkan_close(ops::softmax(on_gpu(y).transpose(1, 2), -1), cpu::ref::softmax(y.transpose(1, 2), 2),
                      1e-5, "transposed");
  // warp-per-row limit and block-per-row rows
  for (int64_t n : {1, 31, 1024, 1025, 5000}) {
    const Tensor r = random_tensor({9, n}, 152 + n, -30.f, 30.f);
    expect_vulkan_close(ops::softmax(on_gpu(r), -1), cpu::ref::softmax(r, 1), 1e-5,
                        "n = " + std::to_string(n));
  }
  // long columns (dim 0)
  const Tensor col = random_tensor({3000, 3}, 153, -10.f, 10.f);
  expect_vulkan_close(ops::softmax(on_gpu(col), 0), cpu::ref::softmax(col, 0), 1e-5, "dim 0");
}

TEST(VulkanElementwise, SoftmaxMaskedRows) {
  SAM3RT_REQUIRE_VULKAN();
  // row 0 fully −inf (the reference gives NaN: −inf − −inf), row 1 partly −inf, row 2 one NaN (NaN
  // row), row 3 one +inf (NaN row: inf − inf), row 4 plain
  Tensor x = random_tensor({5, 40}, 154, -3.f, 3.f);
  float* p = x.data<float>();
  for (int j = 0; j < 40; ++j) p[j] = -kInf;
  for (int j = 0; j < 40; j += 3) p[40 + j] = -kInf;
  p[2 * 40 + 7] = kNaN;
  p[3 * 40 + 11] = kInf;
  expect_close_specials(ops::softmax(on_gpu(x), -1), cpu::ref::softmax(x, 1), 1e-5, 1e-9, "rows");
  // the same along dim 0 (column kernel) and with a long (block-per-row) fully masked row
  const Tensor xt = x.transpose(0, 1).contiguous();
  expect_close_specials(ops::softmax(on_gpu(xt), 0), cpu::ref::softmax(xt, 0), 1e-5, 1e-9, "columns");
  Tensor wide = random_tensor({3, 2000}, 155, -3.f, 3.f);
  for (int j = 0; j < 2000; ++j) wide.data<float>()[2000 + j] = -kInf;
  for (int j = 0; j < 2000; j += 2) wide.data<float>()[j] = -kInf;
  expect_close_specials(ops::softmax(on_gpu(wide), -1), cpu::ref::softmax(wide, 1), 1e-5, 1e-9, "wide rows");
}

// --- normalisation ---------------------------------------------------------------------------------

TEST(VulkanNorm, LayerNorm) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({3, 5, 1027}, 100, -3.f, 5.f), w = random_tensor({1027}, 101),
               b = random_tensor({1027}, 102);
  const Tensor dx = on_gpu(x), dw = on_gpu(w), db = on_gpu(b);
  expect_vulkan_close(ops::layer_norm(dx, dw, db, 1e-5f), cpu::ref::layer_norm(x, w, b, 1e-5f), 1e-5,
                      "affine");
  expect_vulkan_close(ops::layer_norm(dx, dw, Tensor(), 1e-6f), cpu::ref::layer_norm(x, w, Tensor(), 1e-6f),
                      1e-5, "w only");
  expect_vulkan_close(ops::layer_norm(dx, Tensor(), Tensor(), 1e-5f),
                      cpu::ref::layer_norm(x, Tensor(), Tensor(), 1e-5f), 1e-5, "no affine");
  // far-from-zero mean (cancellation) and a transposed view
  const Tensor off = random_tensor({64, 33}, 103, 100.f, 101.f), w2 = random_tensor({64}, 104),
               b2 = random_tensor({64}, 105);
  expect_vulkan_close(ops::layer_norm(on_gpu(off).transpose(0, 1), on_gpu(w2), on_gpu(b2), 1e-5f),
                      cpu::ref::layer_norm(off.transpose(0, 1), w2, b2, 1e-5f), 1e-5, "offset, transposed");
  // row widths around the warp/block switch, and a width of 1 (x − mean = 0: y = b)
  for (int64_t C : {1, 7, 32, 1024, 1025, 4096}) {
    const Tensor xc = random_tensor({13, C}, 106 + C, -2.f, 4.f), wc = random_tensor({C}, 107),
                 bc = random_tensor({C}, 108);
    expect_vulkan_close(ops::layer_norm(on_gpu(xc), on_gpu(wc), on_gpu(bc), 1e-5f),
                        cpu::ref::layer_norm(xc, wc, bc, 1e-5f), 1e-5, "C = " + std::to_string(C));
  }
}

TEST(VulkanNorm, LayerNormLargeRows) {
  SAM3RT_REQUIRE_VULKAN();
  // the image encoder's shape: 5184 tokens × 1024 channels
  const Tensor x = random_tensor({5184, 1024}, 109, -4.f, 6.f), w = random_tensor({1024}, 110, 0.5f, 1.5f),
               b = random_tensor({1024}, 111);
  expect_vulkan_close(ops::layer_norm(on_gpu(x), on_gpu(w), on_gpu(b), 1e-6f),
                      cpu::ref::layer_norm(x, w, b, 1e-6f), 1e-5, "5184×1024");
  const Tensor xo = random_tensor({5184, 1024}, 112, 50.f, 51.f);  // |mean| ≫ std
  expect_vulkan_close(ops::layer_norm(on_gpu(xo), on_gpu(w), on_gpu(b), 1e-6f),
                      cpu::ref::layer_norm(xo, w, b, 1e-6f), 1e-5, "5184×1024 offset");
}

TEST(VulkanNorm, GroupNorm) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 12, 5, 7}, 113, -2.f, 3.f), w = random_tensor({12}, 114),
               b = random_tensor({12}, 115);
  expect_vulkan_close(ops::group_norm(on_gpu(x), 4, on_gpu(w), on_gpu(b), 1e-5f),
                      cpu::ref::group_norm(x, 4, w, b, 1e-5f), 1e-5, "affine");
  expect_vulkan_close(ops::group_norm(on_gpu(x), 12, on_gpu(w), Tensor(), 1e-5f),
                      cpu::ref::group_norm(x, 12, w, Tensor(), 1e-5f), 1e-5, "w only, one channel per group");
  const Tensor x2 = random_tensor({1, 8, 33}, 116);
  expect_vulkan_close(ops::group_norm(on_gpu(x2), 8, Tensor(), Tensor(), 1e-5f),
                      cpu::ref::group_norm(x2, 8, Tensor(), Tensor(), 1e-5f), 1e-5, "3-d, no affine");
  const Tensor xp = random_tensor({2, 5, 7, 12}, 117);
  expect_vulkan_close(ops::group_norm(on_gpu(xp).permute({0, 3, 1, 2}), 3, on_gpu(w), on_gpu(b), 1e-5f),
                      cpu::ref::group_norm(xp.permute({0, 3, 1, 2}), 3, w, b, 1e-5f), 1e-5, "permuted view");
  // large groups far from zero, and a single group
  const Tensor big = random_tensor({2, 64, 48, 40}, 118, 30.f, 32.f), wb = random_tensor({64}, 119),
               bb = random_tensor({64}, 120);
  expect_vulkan_close(ops::group_norm(on_gpu(big), 32, on_gpu(wb), on_gpu(bb), 1e-5f),
                      cpu::ref::group_norm(big, 32, wb, bb, 1e-5f), 1e-5, "large groups");
  expect_vulkan_close(ops::group_norm(on_gpu(big), 1, on_gpu(wb), on_gpu(bb), 1e-5f),
                      cpu::ref::group_norm(big, 1, wb, bb, 1e-5f), 1e-5, "one group");
}

TEST(VulkanNorm, HalfInputsAreConverted) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({5, 33}, 121).to(DType::kBF16), w = random_tensor({33}, 122).to(DType::kF16);
  expect_vulkan_close(ops::layer_norm(on_gpu(x), on_gpu(w), Tensor(), 1e-5f),
                      cpu::ref::layer_norm(x.to(DType::kF32), w.to(DType::kF32), Tensor(), 1e-5f), 1e-5);
}

// --- reductions and gathers ------------------------------------------------------------------------

TEST(VulkanReduce, MaskedMean) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({3, 17, 40}, 160);
  Tensor mask = random_u8_mask({3, 17}, 161, 0.4f);
  for (int j = 0; j < 17; ++j) mask.data<uint8_t>()[2 * 17 + j] = 1;  // batch 2 fully padded → 0
  expect_vulkan_close(ops::masked_mean(on_gpu(x), on_gpu(mask)), cpu::ref::masked_mean(x, mask), 1e-6,
                      "plain");
  const Tensor xt = random_tensor({3, 40, 17}, 162);
  const Tensor mt = random_u8_mask({17, 3}, 163, 0.3f);
  expect_vulkan_close(ops::masked_mean(on_gpu(xt).transpose(1, 2), on_gpu(mt).transpose(0, 1)),
                      cpu::ref::masked_mean(xt.transpose(1, 2), mt.transpose(0, 1)), 1e-6,
                      "strided x and mask");
  // the small exact case of the reference test
  const Tensor xs = Tensor::from_vector({2, 3, 2}, {1, 2, 10, 20, 3, 4, 5, 6, 7, 8, 9, 10});
  Tensor ms = Tensor::zeros({2, 3}, DType::kU8);
  ms.data<uint8_t>()[1] = ms.data<uint8_t>()[3] = ms.data<uint8_t>()[4] = ms.data<uint8_t>()[5] = 1;
  expect_vulkan_equal(ops::masked_mean(on_gpu(xs), on_gpu(ms)), Tensor::from_vector({2, 2}, {2, 3, 0, 0}),
                      "small");
}

TEST(VulkanReduce, Concat) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor a = random_tensor({3, 4, 5}, 170), b = random_tensor({3, 2, 5}, 171),
               c = random_tensor({5, 1, 3}, 172);
  const Tensor e = Tensor::empty({3, 0, 5});
  // dim 1 with a permuted input and an empty one
  expect_vulkan_equal(ops::concat({on_gpu(a), on_gpu(b), on_gpu(c).permute({2, 1, 0}), on_gpu(e)}, 1),
                      cpu::ref::concat({a, b, c.permute({2, 1, 0}), e}, 1), "dim 1");
  expect_vulkan_equal(ops::concat({on_gpu(a), on_gpu(a).slice(0, 1, 3)}, 0),
                      cpu::ref::concat({a, a.slice(0, 1, 3)}, 0), "dim 0");
  expect_vulkan_equal(ops::concat({on_gpu(a), on_gpu(a).slice(2, 0, 5, 2)}, -1),
                      cpu::ref::concat({a, a.slice(2, 0, 5, 2)}, 2), "last dim, stepped");
  // other dtypes are kept
  const Tensor ia = random_ids({2, 3}, 100, 173), ib = random_ids({2, 4}, 100, 174);
  const Tensor ca = ops::concat({on_gpu(ia), on_gpu(ib)}, 1);
  EXPECT_EQ(ca.dtype(), DType::kI32);
  expect_vulkan_equal(ca, cpu::ref::concat({ia, ib}, 1), "i32");
  const Tensor ha = a.to(DType::kF16), hb = b.to(DType::kF16);
  expect_vulkan_equal(ops::concat({on_gpu(ha), on_gpu(hb)}, 1), cpu::ref::concat({ha, hb}, 1), "f16");
  const Tensor ua = random_u8_mask({4, 3}, 175, 0.5f), ub = random_u8_mask({4, 2}, 176, 0.5f);
  expect_vulkan_equal(ops::concat({on_gpu(ua), on_gpu(ub)}, 1), cpu::ref::concat({ua, ub}, 1), "u8");
  // every input empty
  const Tensor z = ops::concat({on_gpu(e), on_gpu(e)}, 1);
  EXPECT_EQ(z.shape(), Shape({3, 0, 5}));
  EXPECT_EQ(z.device(), gpu());
}

TEST(VulkanReduce, Embedding) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor w = random_tensor({50, 33}, 180);
  const Tensor ids = random_ids({4, 7}, 50, 181);
  expect_vulkan_equal(ops::embedding(on_gpu(w), on_gpu(ids)), cpu::ref::embedding(w, ids), "i32");
  const Tensor ids64 = ids.to(DType::kI64);
  expect_vulkan_equal(ops::embedding(on_gpu(w), on_gpu(ids64)), cpu::ref::embedding(w, ids64), "i64");
  // strided ids and a transposed weight
  const Tensor wt = random_tensor({33, 50}, 182);
  expect_vulkan_equal(ops::embedding(on_gpu(wt).transpose(0, 1), on_gpu(ids).transpose(0, 1)),
                      cpu::ref::embedding(wt.transpose(0, 1), ids.transpose(0, 1)), "strided");
  expect_vulkan_equal(ops::embedding(on_gpu(w), on_gpu(ids64).select(0, 2)),
                      cpu::ref::embedding(w, ids64.select(0, 2)), "1-d ids");
  const Tensor none = ops::embedding(on_gpu(w), on_gpu(Tensor::from_vector_i32({0}, {})));
  EXPECT_EQ(none.shape(), Shape({0, 33}));
}

// --- resampling ------------------------------------------------------------------------------------

TEST(VulkanResample, InterpolateNearest) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 17, 23}, 195);
  for (auto [oh, ow] : {std::pair{34, 46}, {41, 50}, {5, 7}, {17, 23}, {144, 144}, {1, 1}})
    expect_vulkan_equal(ops::interpolate_nearest(on_gpu(x), oh, ow), cpu::ref::interpolate_nearest(x, oh, ow),
                        std::to_string(oh) + "x" + std::to_string(ow));
  const Tensor xp = random_tensor({2, 17, 23, 3}, 196);
  expect_vulkan_equal(ops::interpolate_nearest(on_gpu(xp).permute({0, 3, 1, 2}), 40, 9),
                      cpu::ref::interpolate_nearest(xp.permute({0, 3, 1, 2}), 40, 9), "permuted");
}

// Coordinates and weights use the reference's f32 operations in its order (no fma contraction):
// results agree to rounding (bit-identical when the host compiler does not contract either).
TEST(VulkanResample, InterpolateBilinear) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 17, 23}, 190);
  for (auto [oh, ow] : {std::pair{41, 50}, {5, 7}, {17, 23}, {1, 1}, {288, 288}})
    expect_vulkan_close(ops::interpolate_bilinear(on_gpu(x), oh, ow),
                        cpu::ref::interpolate_bilinear(x, oh, ow), 1e-6,
                        std::to_string(oh) + "x" + std::to_string(ow));
  const Tensor xp = random_tensor({2, 17, 23, 3}, 191);
  expect_vulkan_close(ops::interpolate_bilinear(on_gpu(xp).permute({0, 3, 1, 2}), 30, 11),
                      cpu::ref::interpolate_bilinear(xp.permute({0, 3, 1, 2}), 30, 11), 1e-6, "permuted");
}

TEST(VulkanResample, RoiAlign) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 13, 17}, 200);
  // boxes inside, partly outside, tiny, reversed, on the border, in both batches
  const Tensor boxes = Tensor::from_vector(
      {8, 5}, {0,    1.5f, 2.f, 9.f,   11.f,  1,    -3.f, -2.f, 5.f,  4.f,  0,    10.f, 6.f, 22.f,
               19.f, 1,    4.f, 4.f,   4.3f,  4.2f, 1,    8.f,  9.f,  3.f,  2.f,  0,    0.f, 0.f,
               17.f, 13.f, 1,   16.5f, 12.5f, 17.f, 13.f, 0,    2.2f, 3.7f, 30.f, 7.1f});
  const Tensor dx = on_gpu(x), dboxes = on_gpu(boxes);
  for (bool aligned : {false, true})
    for (int ratio : {-1, 0, 1, 2, 3})
      for (float scale : {1.f, 0.5f, 0.25f}) {
        const std::string what = "aligned " + std::to_string(aligned) + " ratio " + std::to_string(ratio) +
                                 " scale " + std::to_string(scale);
        expect_vulkan_close(ops::roi_align(dx, dboxes, 7, 5, scale, ratio, aligned),
                            cpu::ref::roi_align(x, boxes, 7, 5, scale, ratio, aligned), 1e-6, what);
      }
  // strided feature map and boxes
  const Tensor xp = random_tensor({2, 13, 17, 3}, 201);
  const Tensor bt = boxes.transpose(0, 1).contiguous();
  expect_vulkan_close(
      ops::roi_align(on_gpu(xp).permute({0, 3, 1, 2}), on_gpu(bt).transpose(0, 1), 4, 6, 0.5f, -1, true),
      cpu::ref::roi_align(xp.permute({0, 3, 1, 2}), boxes, 4, 6, 0.5f, -1, true), 1e-6, "strided");
  // the exact cases of the reference test (4×4 map v = x + 4y)
  std::vector<float> vals(16);
  for (int i = 0; i < 16; ++i) vals[i] = static_cast<float>(i);
  const Tensor lin = on_gpu(Tensor::from_vector({1, 1, 4, 4}, vals));
  auto one = [&](std::vector<float> box, float scale, int ratio, bool aligned) {
    return ops::roi_align(lin, on_gpu(Tensor::from_vector({1, 5}, box)), 1, 1, scale, ratio, aligned).item();
  };
  EXPECT_NEAR(one({0, -2, -2, 1, 1}, 1.f, -1, false), 5.f / 9.f, 1e-6f);
  EXPECT_NEAR(one({0, 2.5f, 2.5f, 5.5f, 5.5f}, 1.f, -1, false), 60.f / 9.f, 1e-5f);
  EXPECT_NEAR(one({0, 1, 1, 1.2f, 1.2f}, 1.f, -1, false), 7.5f, 1e-6f);
  EXPECT_NEAR(one({0, 2, 2, 6, 6}, 0.5f, 2, false), 10.f, 1e-6f);
  EXPECT_NEAR(one({0, 1, 1, 3, 3}, 1.f, -1, true), 7.5f, 1e-6f);
}

TEST(VulkanResample, GridSample) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 9, 11}, 210);
  const Tensor grid = random_tensor({2, 5, 7, 2}, 211, -1.2f, 1.2f);  // some samples outside
  expect_vulkan_close(ops::grid_sample(on_gpu(x), on_gpu(grid)), cpu::ref::grid_sample(x, grid), 1e-6,
                      "plain");
  const Tensor xp = random_tensor({2, 9, 11, 3}, 212);
  const Tensor gt = random_tensor({2, 7, 5, 2}, 213, -1.1f, 1.1f);
  expect_vulkan_close(ops::grid_sample(on_gpu(xp).permute({0, 3, 1, 2}), on_gpu(gt).transpose(1, 2)),
                      cpu::ref::grid_sample(xp.permute({0, 3, 1, 2}), gt.transpose(1, 2)), 1e-6, "strided");
  // the exact case of the reference test
  const Tensor small = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor g = Tensor::from_vector({1, 1, 4, 2}, {0, 0, -1, -1, 1, 1, 0.5f, -1});
  expect_vulkan_close(ops::grid_sample(on_gpu(small), on_gpu(g)),
                      Tensor::from_vector({1, 1, 1, 4}, {2.5f, 0.25f, 1.f, 1.f}), 1e-6, "small");
}

// --- empty tensors ---------------------------------------------------------------------------------

TEST(VulkanElementwise, EmptyTensors) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor e = Tensor::empty({0, 5}, DType::kF32, gpu());
  EXPECT_EQ(ops::gelu(e).shape(), Shape({0, 5}));
  EXPECT_EQ(ops::add(e, on_gpu(random_tensor({5}, 1))).shape(), Shape({0, 5}));
  EXPECT_EQ(ops::softmax(e, 0).shape(), Shape({0, 5}));
  EXPECT_EQ(ops::softmax(e, 1).shape(), Shape({0, 5}));
  EXPECT_EQ(ops::layer_norm(e, Tensor(), Tensor(), 1e-5f).shape(), Shape({0, 5}));
  EXPECT_EQ(
      ops::group_norm(Tensor::empty({0, 4, 3}, DType::kF32, gpu()), 2, Tensor(), Tensor(), 1e-5f).shape(),
      Shape({0, 4, 3}));
  Tensor a = e;
  ops::add_(a, on_gpu(random_tensor({1}, 2)));
  EXPECT_EQ(
      ops::masked_mean(Tensor::empty({0, 3, 4}, DType::kF32, gpu()), Tensor::empty({0, 3}, DType::kU8, gpu()))
          .shape(),
      Shape({0, 4}));
  // no valid positions at all (L = 0): zeros
  expect_vulkan_equal(ops::masked_mean(Tensor::empty({2, 0, 4}, DType::kF32, gpu()),
                                       Tensor::empty({2, 0}, DType::kU8, gpu())),
                      Tensor::zeros({2, 4}), "L = 0");
  EXPECT_EQ(ops::roi_align(on_gpu(random_tensor({1, 2, 5, 5}, 3)), Tensor::empty({0, 5}, DType::kF32, gpu()),
                           3, 3, 1.f, -1, false)
                .shape(),
            Shape({0, 2, 3, 3}));
  // a read back synchronises and surfaces any asynchronous error of the launches above
  EXPECT_EQ(ops::relu(on_gpu(random_tensor({3}, 4))).to_vector().size(), 3u);
}

}  // namespace
}  // namespace sam3rt::test
