// The tensor core on a Vulkan device (adapted from tests/cuda/test-cuda-tensor.cpp): allocation, host ↔
// device copies, strided copies and dtype conversions on the device, fill, reads that synchronise.
#include <cstring>

#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

TEST(VulkanTensor, RoundTripIsExact) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor host = random_tensor({3, 5, 7}, 1);
  const Tensor dev = host.to(gpu());
  EXPECT_EQ(dev.device(), gpu());
  EXPECT_EQ(max_abs_diff(dev.to(Device::cpu()), host), 0.0);
  EXPECT_EQ(dev.item_at({2, 4, 6}), host.item_at({2, 4, 6}));
  EXPECT_EQ(dev.to_vector(), host.to_vector());
}

// Large uploads go through two pinned staging buffers (32 MiB each): several rounds of both,
// with a size that is no multiple of anything.
TEST(VulkanTensor, LargeUploadIsExact) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor host = random_tensor({25'000'003}, 7);  // ~100 MB: 3 staging rounds + a remainder
  const Tensor dev = host.to(gpu());
  const Tensor back = dev.to(Device::cpu());
  EXPECT_EQ(std::memcmp(back.raw_data(), host.raw_data(), host.nbytes()), 0);
  // A second upload right away reuses the buffers while the first copies may still be in flight.
  const Tensor other = random_tensor({9'000'001}, 8);
  const Tensor dev2 = other.to(gpu());
  EXPECT_EQ(std::memcmp(dev2.to(Device::cpu()).raw_data(), other.raw_data(), other.nbytes()), 0);
  EXPECT_EQ(std::memcmp(dev.to(Device::cpu()).raw_data(), host.raw_data(), host.nbytes()), 0);
}

TEST(VulkanTensor, StridedViewsCopyOnTheDevice) {
  SAM3RT_REQUIRE_VULKAN();
  const Tensor host = random_tensor({4, 6, 5, 8}, 2);
  const Tensor dev = host.to(gpu());
  const std::vector<std::pair<Tensor, Tensor>> pairs = {
      {dev.permute({0, 2, 1, 3}), host.permute({0, 2, 1, 3})},
      {dev.permute({3, 1, 0, 2}), host.permute({3, 1, 0, 2})},
      {dev.slice(1, 1, 6, 2).slice(3, 0, 8, 3), host.slice(1, 1, 6, 2).slice(3, 0, 8, 3)},
      {dev.select(2, 3).unsqueeze(1).expand({4, 3, 6, 8}),
       host.select(2, 3).unsqueeze(1).expand({4, 3, 6, 8})},
  };
  for (const auto& [d, h] : pairs) {
    const Tensor c = d.contiguous();
    EXPECT_TRUE(c.is_contiguous());
    EXPECT_EQ(c.device(), gpu());
    EXPECT_EQ(max_abs_diff(c.to(Device::cpu()), h.contiguous()), 0.0) << h.str();
    // A strided device view read straight to the host.
    EXPECT_EQ(max_abs_diff(d.to(Device::cpu()), h.contiguous()), 0.0) << h.str();
  }
}

TEST(VulkanTensor, DtypeConversionsMatchTheHost) {
  SAM3RT_REQUIRE_VULKAN();
  // Values inside every target's range (float → u8 outside [0, 255] is undefined in C++).
  const Tensor host = random_tensor({257}, 3, 0.f, 255.f);
  for (DType dt : {DType::kF16, DType::kBF16, DType::kI32, DType::kI64, DType::kU8}) {
    const Tensor on_host = host.to(dt);
    const Tensor on_dev = host.to(gpu()).to(dt);
    EXPECT_EQ(on_dev.dtype(), dt);
    EXPECT_EQ(max_abs_diff(on_dev.to(Device::cpu()).to(DType::kF32), on_host.to(DType::kF32)), 0.0)
        << dtype_name(dt);
    // And back to f32 on the device.
    EXPECT_EQ(max_abs_diff(on_dev.to(DType::kF32).to(Device::cpu()), on_host.to(DType::kF32)), 0.0)
        << dtype_name(dt);
  }
}

TEST(VulkanTensor, ZerosFullAndFill) {
  SAM3RT_REQUIRE_VULKAN();
  EXPECT_EQ(Tensor::zeros({5, 3}, DType::kF32, gpu()).to_vector(), std::vector<float>(15, 0.f));
  EXPECT_EQ(Tensor::full({4}, 2.5f, gpu()).to_vector(), std::vector<float>(4, 2.5f));
  Tensor t = Tensor::zeros({2, 3}, DType::kF32, gpu());
  t.fill_(-1.f);
  EXPECT_EQ(t.to_vector(), std::vector<float>(6, -1.f));
  Tensor u8 = Tensor::zeros({7}, DType::kU8, gpu());
  u8.fill_(1.f);
  EXPECT_EQ(u8.to(Device::cpu()).to_vector(), std::vector<float>(7, 1.f));
}

TEST(VulkanTensor, HostToStridedDeviceDestination) {
  SAM3RT_REQUIRE_VULKAN();
  Tensor dev = Tensor::zeros({4, 6}, DType::kF32, gpu());
  const Tensor src = random_tensor({6, 4}, 4);
  Tensor view = dev.transpose(0, 1);  // [6, 4], not contiguous
  view.copy_(src);
  EXPECT_EQ(max_abs_diff(dev.to(Device::cpu()), src.transpose(0, 1).contiguous()), 0.0);
}

TEST(VulkanTensor, MissingDeviceIsAClearError) {
  SAM3RT_REQUIRE_VULKAN();
  try {
    Tensor::empty({4}, DType::kF32, Device{DeviceType::kVulkan, device_count(DeviceType::kVulkan)});
    FAIL() << "no error for a device that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeviceUnavailable) << e.what();
  }
}

}  // namespace
}  // namespace sam3rt::test
