// Vulkan linear algebra (adapted from tests/cuda/test-cuda-linalg-conv.cpp) and convolutions (ops:: on the
// GPU) against the CPU reference kernels (cpu::ref, f64 accumulation): random inputs, odd shapes,
// strided/transposed/broadcast views, empty and degenerate sizes. The GEMM and the direct kernels accumulate
// in fp32, so 1e-5 relative holds for every size here (K ≤ 2,304).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

using View = std::function<Tensor(const Tensor&)>;
const View kSame = [](const Tensor& t) { return t; };

// A host tensor and the same view of a copy on the GPU (the device operand keeps the view's strides).
struct Pair {
  Tensor host, dev;
};
Pair make(const Tensor& base, const View& view = kSame) { return {view(base), view(base.to(gpu()))}; }
Pair none() { return {Tensor(), Tensor()}; }

void check_linear(const Pair& x, const Pair& w, const Pair& b, const std::string& what) {
  expect_vulkan_close(ops::linear(x.dev, w.dev, b.dev), cpu::ref::linear(x.host, w.host, b.host), 1e-5, what);
}

void check_matmul(const Pair& a, const Pair& b, const std::string& what) {
  expect_vulkan_close(ops::matmul(a.dev, b.dev), cpu::ref::matmul(a.host, b.host), 1e-5, what);
}

void check_conv(const Pair& x, const Pair& w, bool bias, int s, int p, int groups, const std::string& what) {
  const Pair b = bias ? make(random_tensor({w.host.size(0)}, 99)) : none();
  expect_vulkan_close(ops::conv2d(x.dev, w.dev, b.dev, s, s, p, p, groups),
                      cpu::ref::conv2d(x.host, w.host, b.host, s, s, p, p, groups), 1e-5, what);
}

TEST(VulkanLinalg, LinearContiguousBiasAnd1d) {
  SAM3RT_REQUIRE_VULKAN();
  const Pair x = make(random_tensor({3, 7, 37}, 1)), w = make(random_tensor({29, 37}, 2)),
             b = make(random_tensor({29}, 3));
  check_linear(x, w, b, "3-D x, bias");
  check_linear(x, w, none(), "3-D x, no bias");
  check_linear(make(random_tensor({37}, 4)), w, b, "1-D x");
  check_linear(make(random_tensor({1, 1, 37}, 5)), w, none(), "one row");
  // A transformer-sized projection (K = 256).
  check_linear(make(random_tensor({2, 300, 256}, 6)), make(random_tensor({768, 256}, 7)),
               make(random_tensor({768}, 8)), "qkv-sized");
  check_linear(make(random_tensor({5, 37}, 9)), make(random_tensor({1, 37}, 10)),
               make(random_tensor({1}, 11)), "out = 1");
}

TEST(VulkanLinalg, LinearStridedViews) {
  SAM3RT_REQUIRE_VULKAN();
  const Pair w = make(random_tensor({29, 37}, 20)), b = make(random_tensor({29}, 21));
  // column-major x (transposed view) → cuBLAS transpose flag
  check_linear(make(random_tensor({37, 21}, 22), [](const Tensor& t) { return t.transpose(0, 1); }), w, b,
               "transposed x");
  // column slice: row stride 50
  const View cols = [](const Tensor& t) { return t.slice(1, 3, 40); };
  check_linear(make(random_tensor({5, 50}, 23), cols), w, b, "sliced x");
  // 3-D x whose leading dims collapse with a row stride (slice of the last dim)
  check_linear(make(random_tensor({4, 6, 45}, 24), [](const Tensor& t) { return t.slice(2, 8, 45); }), w, b,
               "sliced 3-D x");
  // transposed weight view
  const View tr = [](const Tensor& t) { return t.transpose(0, 1); };
  check_linear(make(random_tensor({5, 50}, 25), cols), make(random_tensor({37, 29}, 26), tr), b,
               "transposed w");
  // leading dims that do not collapse (permuted) → contiguous copy
  check_linear(make(random_tensor({6, 4, 37}, 27),
                    [](const Tensor& t) {
                      return t.permute({1, 0, 2});
                    }),
               w, b, "permuted x");
  // a single strided row (element stride 3) and broadcast rows (row stride 0)
  check_linear(make(random_tensor({37, 3}, 28), [](const Tensor& t) { return t.select(1, 1); }), w, b,
               "strided 1-D x");
  check_linear(make(random_tensor({1, 37}, 29),
                    [](const Tensor& t) {
                      return t.expand({6, 37});
                    }),
               w, none(), "expanded rows");
  // row-sliced weight (row stride 40)
  check_linear(make(random_tensor({5, 37}, 30)),
               make(random_tensor({29, 40}, 31), [](const Tensor& t) { return t.slice(1, 0, 37); }), b,
               "sliced w");
}

TEST(VulkanLinalg, LinearEmptyAndZeroInner) {
  SAM3RT_REQUIRE_VULKAN();
  // in == 0: the bias rows (or zeros)
  const Pair x0{Tensor::zeros({5, 0}), Tensor::zeros({5, 0}, DType::kF32, gpu())};
  const Pair w0{Tensor::zeros({4, 0}), Tensor::zeros({4, 0}, DType::kF32, gpu())};
  check_linear(x0, w0, make(random_tensor({4}, 40)), "in = 0, bias");
  check_linear(x0, w0, none(), "in = 0, no bias");
  // rows == 0
  const Pair xr{Tensor::zeros({0, 37}), Tensor::zeros({0, 37}, DType::kF32, gpu())};
  const Tensor y = ops::linear(xr.dev, make(random_tensor({29, 37}, 41)).dev);
  EXPECT_EQ(y.shape(), (Shape{0, 29}));
  EXPECT_EQ(y.device(), gpu());
}

TEST(VulkanLinalg, MatmulBroadcastAndViews) {
  SAM3RT_REQUIRE_VULKAN();
  // shared right operand → one tall GEMM
  const Pair a = make(random_tensor({2, 3, 17, 13}, 50)), b = make(random_tensor({13, 11}, 51));
  check_matmul(a, b, "shared b");
  // shared left operand (stride-0 batch of a)
  check_matmul(make(random_tensor({17, 13}, 52)), make(random_tensor({4, 13, 11}, 53)), "shared a");
  // broadcasting of leading dims both ways: [2, 1] × [3] → [2, 3] (does not collapse: loop)
  check_matmul(make(random_tensor({2, 1, 17, 13}, 54)), make(random_tensor({3, 13, 11}, 55)),
               "broadcast both");
  // transposed views of both operands (e.g. q·kᵀ)
  const View t12 = [](const Tensor& t) { return t.transpose(1, 2); };
  check_matmul(make(random_tensor({4, 13, 17}, 56), t12), make(random_tensor({4, 11, 13}, 57), t12),
               "transposed");
  // permuted batch dims (heads out of [B, L, H, D])
  check_matmul(make(random_tensor({2, 19, 3, 8}, 58),
                    [](const Tensor& t) {
                      return t.permute({0, 2, 1, 3});
                    }),
               make(random_tensor({2, 23, 3, 8}, 59),
                    [](const Tensor& t) {
                      return t.permute({0, 2, 3, 1});
                    }),
               "permuted heads");
  // plain batched and larger products
  check_matmul(make(random_tensor({2, 130, 140}, 60)), make(random_tensor({2, 140, 131}, 61)), "batched");
  // a single row / column
  check_matmul(make(random_tensor({1, 13}, 62)), b, "row");
  check_matmul(a, make(random_tensor({13, 1}, 63)), "column");
  // a matrix operand expanded inside the matrix (stride 0 rows) → contiguous copy
  check_matmul(make(random_tensor({1, 13}, 64),
                    [](const Tensor& t) {
                      return t.expand({17, 13});
                    }),
               b, "expanded rows");
  // an irregular broadcast over many products → materialised operands, one strided batch
  check_matmul(make(random_tensor({70, 1, 3, 4}, 65)), make(random_tensor({2, 4, 5}, 66)), "materialised");
  // more products than one cuBLAS batched call takes
  check_matmul(make(random_tensor({70000, 2, 3}, 67)), make(random_tensor({70000, 3, 2}, 68)),
               "batch > 65535");
}

TEST(VulkanLinalg, MatmulEmptyAndZeroInner) {
  SAM3RT_REQUIRE_VULKAN();
  const Pair a{Tensor::zeros({2, 3, 0}), Tensor::zeros({2, 3, 0}, DType::kF32, gpu())};
  const Pair b{Tensor::zeros({2, 0, 4}), Tensor::zeros({2, 0, 4}, DType::kF32, gpu())};
  check_matmul(a, b, "k = 0");
  const Tensor y =
      ops::matmul(Tensor::zeros({0, 3, 5}, DType::kF32, gpu()), make(random_tensor({5, 4}, 70)).dev);
  EXPECT_EQ(y.shape(), (Shape{0, 3, 4}));
}

TEST(VulkanConv, Conv2dPaths) {
  SAM3RT_REQUIRE_VULKAN();
  const auto r = [](const Shape& s, uint64_t seed) { return make(random_tensor(s, seed)); };
  check_conv(r({2, 5, 11, 13}, 100), r({7, 5, 1, 1}, 101), true, 1, 0, 1, "1x1, batch 2");
  check_conv(r({2, 6, 9, 7}, 102), r({8, 3, 1, 1}, 103), false, 1, 0, 2, "1x1, groups 2, no bias");
  check_conv(r({2, 5, 11, 13}, 104), r({7, 5, 3, 3}, 105), true, 1, 1, 1, "3x3 pad 1, batch 2");
  check_conv(r({1, 6, 9, 10}, 106), r({4, 6, 7, 7}, 107), true, 1, 0, 1, "7x7 no pad");
  check_conv(r({2, 4, 9, 8}, 108), r({6, 4, 3, 3}, 109), true, 2, 1, 1, "stride 2");
  check_conv(r({1, 4, 9, 8}, 110), r({6, 2, 3, 3}, 111), true, 1, 1, 2, "groups 2");
  check_conv(r({2, 6, 13, 11}, 112), r({6, 1, 7, 7}, 113), true, 1, 3, 6, "depthwise 7x7 pad 3");
  check_conv(r({1, 4, 8, 9}, 114), r({8, 1, 3, 3}, 115), false, 2, 1, 4, "depthwise, multiplier 2, stride 2");
  check_conv(r({1, 3, 56, 70}, 116), r({16, 3, 14, 14}, 117), false, 14, 0, 1,
             "14x14 stride 14 patch embedding");
  check_conv(r({1, 3, 14, 17}, 118), r({8, 3, 4, 4}, 119), true, 4, 0, 1, "patchify, ragged");
  check_conv(r({3, 4, 7, 7}, 120), r({5, 4, 7, 7}, 121), true, 1, 0, 1, "kernel = input → 1x1 output");
  check_conv(r({1, 3, 5, 6}, 122), r({2, 3, 2, 3}, 123), true, 1, 2, 1, "pad > kernel/2");
  check_conv(r({1, 1, 9, 9}, 124), r({5, 1, 3, 3}, 125), true, 1, 1, 1, "one input channel");
  check_conv(r({1, 3, 5, 5}, 126), r({4, 3, 1, 1}, 127), true, 2, 1, 1, "1x1 with stride and padding");
  // NHWC storage permuted to NCHW (non-contiguous input) and a strided weight view
  const View nchw = [](const Tensor& t) { return t.permute({0, 3, 1, 2}); };
  check_conv(make(random_tensor({2, 11, 13, 5}, 128), nchw), r({7, 5, 3, 3}, 129), true, 1, 1, 1,
             "NHWC input");
  check_conv(make(random_tensor({2, 11, 13, 6}, 130), nchw), r({6, 1, 7, 7}, 131), true, 1, 3, 6,
             "NHWC input, depthwise");
  check_conv(r({1, 5, 8, 8}, 132),
             make(random_tensor({7, 5, 3, 6}, 133), [](const Tensor& t) { return t.slice(3, 0, 6, 2); }),
             true, 1, 1, 1, "strided w");
  // empty batch
  const Tensor y = ops::conv2d(Tensor::zeros({0, 3, 5, 5}, DType::kF32, gpu()), r({4, 3, 3, 3}, 134).dev,
                               Tensor(), 1, 1, 0, 0, 1);
  EXPECT_EQ(y.shape(), (Shape{0, 4, 3, 3}));
}

TEST(VulkanConv, Conv2dChunkedIm2col) {
  SAM3RT_REQUIRE_VULKAN();
  // K·Ho·Wo = 576·400·300 floats > the 256 MiB column budget → two chunks of output rows
  check_conv(make(random_tensor({1, 64, 400, 300}, 140)), make(random_tensor({2, 64, 3, 3}, 141)), true, 1, 1,
             1, "chunked im2col");
}

TEST(VulkanConv, ConvTranspose) {
  SAM3RT_REQUIRE_VULKAN();
  const auto check = [](const Pair& x, const Pair& w, const Pair& b, int sh, int sw,
                        const std::string& what) {
    expect_vulkan_close(ops::conv_transpose2d(x.dev, w.dev, b.dev, sh, sw),
                        cpu::ref::conv_transpose2d(x.host, w.host, b.host, sh, sw), 1e-5, what);
  };
  const Pair x = make(random_tensor({2, 6, 7, 9}, 150)), w = make(random_tensor({6, 5, 2, 2}, 151)),
             b = make(random_tensor({5}, 152));
  check(x, w, b, 2, 2, "k2 s2");
  check(x, w, none(), 2, 2, "k2 s2, no bias");
  check(x, make(random_tensor({6, 5, 3, 3}, 153)), b, 2, 2, "k3 s2 (overlapping footprints)");
  check(x, make(random_tensor({6, 5, 3, 2}, 154)), b, 2, 3, "k3x2 s2x3 (gaps)");
  check(make(random_tensor({2, 7, 9, 6}, 155),
             [](const Tensor& t) {
               return t.permute({0, 3, 1, 2});
             }),
        w, b, 2, 2, "NHWC input");
  // mask-decoder-like upscaling
  check(make(random_tensor({1, 128, 36, 36}, 156)), make(random_tensor({128, 32, 2, 2}, 157)),
        make(random_tensor({32}, 158)), 2, 2, "128 → 32 channels");
}

TEST(VulkanConv, MaxPool) {
  SAM3RT_REQUIRE_VULKAN();
  const Pair x = make(random_tensor({2, 3, 9, 11}, 160));
  for (const auto& [k, s] : std::vector<std::pair<int, int>>{{2, 2}, {3, 2}, {2, 1}, {1, 1}, {9, 9}}) {
    std::string what = "kernel ";
    what += std::to_string(k);
    what += ", stride ";
    what += std::to_string(s);
    expect_vulkan_close(ops::max_pool2d(x.dev, k, s), cpu::ref::max_pool2d(x.host, k, s), 0.0, what);
  }
  const Pair xp = make(random_tensor({2, 9, 11, 3}, 161), [](const Tensor& t) {
    return t.permute({0, 3, 1, 2});
  });
  expect_vulkan_close(ops::max_pool2d(xp.dev, 2, 2), cpu::ref::max_pool2d(xp.host, 2, 2), 0.0, "NHWC input");

  // NaN propagates to every window that holds one.
  Tensor host = random_tensor({1, 1, 4, 4}, 162);
  host.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();  // (1, 1)
  const std::vector<float> ours = ops::max_pool2d(host.to(gpu()), 2, 1).to(Device::cpu()).to_vector();
  const std::vector<float> want = cpu::ref::max_pool2d(host, 2, 1).to_vector();
  ASSERT_EQ(ours.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::isnan(ours[i]), std::isnan(want[i])) << i;
    if (!std::isnan(want[i])) {
      EXPECT_EQ(ours[i], want[i]) << i;
    }
  }
}

}  // namespace
}  // namespace sam3rt::test
