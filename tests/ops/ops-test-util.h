// Helpers for the op tests: build tensors from literals and compare against expected values.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "common/test-util.h"
#include "core/tensor.h"

namespace sam3rt::test {

inline Tensor t(const Shape& shape, const std::vector<float>& values) { return Tensor::from_vector(shape, values); }

inline Tensor u8(const Shape& shape, const std::vector<int>& values) {
  Tensor m = Tensor::empty(shape, DType::kU8);
  for (size_t i = 0; i < values.size(); ++i) m.data<uint8_t>()[i] = static_cast<uint8_t>(values[i]);
  return m;
}

// Every element of `got` within `tol` of `want` (row-major), and the shapes equal.
inline void expect_values(const Tensor& got, const Shape& shape, const std::vector<float>& want, float tol = 1e-6f) {
  ASSERT_EQ(got.shape(), shape) << got.str();
  std::vector<float> g = got.to_vector();
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], tol) << "element " << i;
}

// ‖got − want‖/‖want‖ ≤ 1e-5 (the fp32 bar for optimised vs reference kernels).
inline void expect_close(const Tensor& got, const Tensor& want, double tol = 1e-5) {
  ASSERT_EQ(got.shape(), want.shape()) << got.str() << " vs " << want.str();
  const double err = rel_error(got, want);
  EXPECT_LE(err, tol) << got.str();
}

}  // namespace sam3rt::test
