// Helpers for the CUDA tests (label `cuda`, built with SAM3RT_CUDA=ON): skip without a GPU, and
// compare a CUDA result with the CPU reference kernel's on the host.
#pragma once

#include <gtest/gtest.h>

#include "backend/backend.h"
#include "common/test-util.h"
#include "core/tensor.h"

namespace sam3rt::test {

inline bool cuda_present() { return device_count(DeviceType::kCUDA) > 0; }
inline std::string cuda_unavailable_reason() {
  const Backend* b = find_backend(DeviceType::kCUDA);
  return b ? b->unavailable_reason() : "this build has no CUDA backend";
}

#define SAM3RT_REQUIRE_CUDA()          \
  if (!::sam3rt::test::cuda_present()) \
  GTEST_SKIP() << "no CUDA device: " << ::sam3rt::test::cuda_unavailable_reason()

inline Device gpu() { return Device::cuda(0); }

// The CUDA tensor `ours` (copied to the host) against the CPU tensor `expected`: same shape and
// dtype, device as asserted, ‖ours − expected‖/‖expected‖ ≤ rel_tol. Returns the relative error.
inline double expect_cuda_close(const Tensor& ours, const Tensor& expected, double rel_tol = 1e-5,
                                const std::string& what = "") {
  EXPECT_EQ(ours.device(), gpu()) << what << ": result not on the GPU";
  EXPECT_EQ(ours.shape(), expected.shape()) << what;
  EXPECT_EQ(ours.dtype(), expected.dtype()) << what;
  if (ours.shape() != expected.shape()) return 1e30;
  const double rel = rel_error(ours.to(Device::cpu()), expected);
  EXPECT_LE(rel, rel_tol) << what << " (max abs diff " << max_abs_diff(ours.to(Device::cpu()), expected) << ")";
  return rel;
}

}  // namespace sam3rt::test
