#include "core/blas.h"

#if defined(SAM3RT_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace sam3rt {

#if !defined(SAM3RT_BLAS_ACCELERATE)
extern "C" {
// Present in OpenBLAS; declared here because not every cblas.h exposes them.
void openblas_set_num_threads(int num_threads);
char* openblas_get_config(void);
}
#endif

void blas_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

#if defined(SAM3RT_BLAS_ACCELERATE)
// Accelerate sizes its own thread use and has no per-process setting to align with the pool.
void blas_set_num_threads(int) {}
const char* blas_name() { return "Accelerate"; }
#else
void blas_set_num_threads(int n) { openblas_set_num_threads(n); }
const char* blas_name() { return openblas_get_config(); }
#endif

}  // namespace sam3rt
