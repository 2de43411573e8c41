// Helpers for feeding strided views to row-major BLAS without copying.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "core/blas.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {

// A [rows, cols] matrix stored with element strides (s_row, s_col), as BLAS sees it: either
// row-major with leading dimension ld (trans = false) or the transpose of a row-major
// [cols, rows] matrix (trans = true). nullopt when neither stride is 1 (the caller copies).
struct GemmOperand {
  bool trans = false;
  int64_t ld = 0;
};

inline std::optional<GemmOperand> gemm_operand(int64_t rows, int64_t cols, int64_t s_row, int64_t s_col) {
  // The stride of a size-1 dimension is arbitrary: pick the one BLAS accepts.
  if (rows == 1) {
    if (s_col == 1 || cols == 1) return GemmOperand{false, std::max<int64_t>(cols, 1)};
    if (s_col > 0) return GemmOperand{true, s_col};
    return std::nullopt;
  }
  if (cols == 1) {
    if (s_row == 1) return GemmOperand{true, rows};
    if (s_row > 0) return GemmOperand{false, s_row};
    return std::nullopt;
  }
  if (s_col == 1 && s_row >= cols) return GemmOperand{false, s_row};
  if (s_row == 1 && s_col >= rows) return GemmOperand{true, s_col};
  return std::nullopt;
}

}  // namespace sam3rt::cpu
