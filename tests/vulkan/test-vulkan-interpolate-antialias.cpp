// The Vulkan antialiased bilinear interpolation against the CPU reference kernel (adapted from
// tests/cuda/test-cuda-interpolate-antialias.cpp): the windows and weights are computed on the host
// as the reference computes them and each output is the same product + fma chain, so the results
// are expected to be bit-identical.
#include <cmath>
#include <limits>
#include <string>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

Tensor on_gpu(const Tensor& t) { return t.to(gpu()); }

// ops:: on `gpu_x` (a GPU tensor or a view of one) vs cpu::ref:: on `host_x`, the same values on the host.
void expect_same_as_reference(const Tensor& gpu_x, const Tensor& host_x, int oh, int ow) {
  const std::string what = host_x.str() + " -> " + std::to_string(oh) + "x" + std::to_string(ow);
  const Tensor ours = ops::interpolate_bilinear_antialias(gpu_x, oh, ow);
  const Tensor ref = cpu::ref::interpolate_bilinear_antialias(host_x, oh, ow);
  expect_vulkan_close(ours, ref, 1e-6, what);
  EXPECT_EQ(max_abs_diff(ours.to(Device::cpu()), ref), 0.0) << what;
}

TEST(VulkanResample, InterpolateBilinearAntialias) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 13, 17}, 320, -3.f, 5.f);
  const Tensor dx = on_gpu(x);
  for (auto [oh, ow] : {std::pair{5, 29}, {29, 5}, {13, 5}, {5, 17}, {1, 1}, {13, 17}, {40, 41}, {3, 7}})
    expect_same_as_reference(dx, x, oh, ow);
}

// The tracker's mask resizes: 288 → 1152, 1152 → 288, 1008 → 1152, video size ↔ 288.
TEST(VulkanResample, InterpolateBilinearAntialiasTrackerSizes) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor a = random_tensor({1, 1, 288, 288}, 321),
               b = random_tensor({1, 1, 1152, 1152}, 322, -20.f, 20.f);
  const Tensor c = random_tensor({1, 1, 1008, 1008}, 323), d = random_tensor({1, 1, 480, 854}, 324);
  const Tensor e = random_tensor({3, 1, 288, 288}, 325);
  expect_same_as_reference(on_gpu(a), a, 1152, 1152);
  expect_same_as_reference(on_gpu(b), b, 288, 288);
  expect_same_as_reference(on_gpu(c), c, 1152, 1152);
  expect_same_as_reference(on_gpu(d), d, 288, 288);
  expect_same_as_reference(on_gpu(e), e, 480, 854);
}

// Views are read through their strides on the device.
TEST(VulkanResample, InterpolateBilinearAntialiasViews) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor nhwc = random_tensor({2, 13, 17, 3}, 330);
  expect_same_as_reference(on_gpu(nhwc).permute({0, 3, 1, 2}), nhwc.permute({0, 3, 1, 2}), 5, 29);
  expect_same_as_reference(on_gpu(nhwc).permute({0, 3, 1, 2}), nhwc.permute({0, 3, 1, 2}), 13,
                           4);  // height kept
  const Tensor t = random_tensor({1, 2, 17, 13}, 331);
  expect_same_as_reference(on_gpu(t).transpose(2, 3), t.transpose(2, 3), 6, 30);
  const Tensor s = random_tensor({1, 4, 30, 40}, 332);
  expect_same_as_reference(on_gpu(s).slice(1, 1, 3).slice(3, 5, 37), s.slice(1, 1, 3).slice(3, 5, 37), 11, 9);
}

// Equal sizes copy; an unchanged axis is not resampled, so an infinity stays in its row.
TEST(VulkanResample, InterpolateBilinearAntialiasCopiesAndSpecials) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor x = random_tensor({2, 3, 5, 7}, 310);
  const Tensor same = ops::interpolate_bilinear_antialias(on_gpu(x), 5, 7);
  EXPECT_EQ(same.device(), gpu());
  EXPECT_EQ(max_abs_diff(same.to(Device::cpu()), x), 0.0);
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor rows = Tensor::from_vector({1, 1, 3, 4}, {1, 2, 4, 8, inf, 0, 0, 0, 8, 4, 2, 1});
  const std::vector<float> got =
      ops::interpolate_bilinear_antialias(on_gpu(rows), 3, 2).to(Device::cpu()).to_vector();
  const std::vector<float> want = cpu::ref::interpolate_bilinear_antialias(rows, 3, 2).to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "element " << i;
  const Tensor empty = ops::interpolate_bilinear_antialias(on_gpu(Tensor::empty({0, 2, 4, 4})), 2, 3);
  EXPECT_EQ(empty.shape(), (Shape{0, 2, 2, 3}));
}

}  // namespace
}  // namespace sam3rt::test
