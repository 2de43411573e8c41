// Helpers for the Vulkan tests (label `vulkan`, built when the Vulkan backend is): skip without a
// Vulkan device (lavapipe counts: CI installs mesa-vulkan-drivers), and compare a Vulkan result with
// the CPU reference kernel's on the host.
#pragma once

#include <gtest/gtest.h>

#include "backend/backend.h"
#include "common/test-util.h"
#include "core/tensor.h"

namespace sam3rt::test {

inline bool vulkan_present() { return device_count(DeviceType::kVulkan) > 0; }
inline std::string vulkan_unavailable_reason() {
  const Backend* b = find_backend(DeviceType::kVulkan);
  return b ? b->unavailable_reason() : "this build has no Vulkan backend";
}

#define SAM3RT_REQUIRE_VULKAN()          \
  if (!::sam3rt::test::vulkan_present()) \
  GTEST_SKIP() << "no Vulkan device: " << ::sam3rt::test::vulkan_unavailable_reason()

inline Device gpu() { return {DeviceType::kVulkan, 0}; }

// The Vulkan tensor `ours` (copied to the host) against the CPU tensor `expected`: same shape and
// dtype, device as asserted, ‖ours − expected‖/‖expected‖ ≤ rel_tol. Returns the relative error.
inline double expect_vulkan_close(const Tensor& ours, const Tensor& expected, double rel_tol = 1e-5,
                                  const std::string& what = "") {
  EXPECT_EQ(ours.device(), gpu()) << what << ": result not on the Vulkan device";
  EXPECT_EQ(ours.shape(), expected.shape()) << what;
  EXPECT_EQ(ours.dtype(), expected.dtype()) << what;
  if (ours.shape() != expected.shape()) return 1e30;
  const double rel = rel_error(ours.to(Device::cpu()), expected);
  EXPECT_LE(rel, rel_tol) << what << " (max abs diff " << max_abs_diff(ours.to(Device::cpu()), expected)
                          << ")";
  return rel;
}

}  // namespace sam3rt::test
