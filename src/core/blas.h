// The single place that talks to the BLAS library (OpenBLAS on Linux, Accelerate on macOS).
#pragma once

#include <cstdint>

namespace sam3rt {

// C = alpha * op(A) * op(B) + beta * C, row-major. lda/ldb/ldc are row strides in elements.
void blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void blas_set_num_threads(int n);
const char* blas_name();

}  // namespace sam3rt
