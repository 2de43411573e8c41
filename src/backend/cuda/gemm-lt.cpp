// cuBLASLt products with a fused bias epilogue for `--precision bf16` linears (gemm.h
// lt_bf16_bias): y = x·wᵀ + b in one kernel, where the cuBLAS path first fills y with the bias and
// then accumulates onto it (one more write and one more read of y). Per device: one cuBLASLt handle
// and one workspace; per problem shape and alignment: the descriptors and the heuristic's algorithm,
// made once and kept (the model's shapes repeat every image).
#include <cublasLt.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "backend/cuda/cuda-runtime.h"
#include "backend/cuda/gemm.h"
#include "core/error.h"

namespace sam3rt::cuda {

namespace {

constexpr size_t kWorkspaceBytes = size_t(32) << 20;

// The largest power of two ≤ 256 that divides the address (cuBLASLt assumes 256 unless told).
int alignment_of(const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  int align = 256;
  while (align > 1 && a % align != 0) align /= 2;
  return align;
}

struct PlanKey {
  int device;
  int64_t m, n, k, lda, ldb, ldc;
  bool a_row_major, b_row_major;
  int align_a, align_b, align_c;
  bool operator<(const PlanKey& o) const {
    return std::tie(device, m, n, k, lda, ldb, ldc, a_row_major, b_row_major, align_a, align_b, align_c) <
           std::tie(o.device, o.m, o.n, o.k, o.lda, o.ldb, o.ldc, o.a_row_major, o.b_row_major, o.align_a,
                    o.align_b, o.align_c);
  }
};

struct Plan {
  bool ok = false;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

struct LtDevice {
  cublasLtHandle_t handle = nullptr;
  Tensor workspace;
};

// Never destroyed (see cuda-runtime.cpp: device objects outlive static destruction order).
std::mutex& g_lt_mutex = *new std::mutex;
std::map<int, LtDevice>& lt_devices() {
  static auto* d = new std::map<int, LtDevice>;
  return *d;
}
std::map<PlanKey, Plan>& plans() {
  static auto* p = new std::map<PlanKey, Plan>;
  return *p;
}

bool ok(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS; }

// Row-major C[m, n] = A[m, k]·B[k, n] is column-major Cᵀ[n, m] = Bᵀ·Aᵀ (as gemm() in linalg.cu):
// cuBLASLt's "A" is our B, its "B" our A, and its bias (one value per row of its D) is one value per
// column of our C.
Plan make_plan(const PlanKey& key, cublasLtHandle_t handle) {
  Plan p;
  const cublasOperation_t op_lt_a = key.b_row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const cublasOperation_t op_lt_b = key.a_row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const int64_t mm = key.n, nn = key.m, kk = key.k;
  bool good = ok(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
  const cudaDataType_t bias_type = CUDA_R_32F;
  good = good &&
         ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_lt_a, sizeof(op_lt_a)));
  good = good &&
         ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_lt_b, sizeof(op_lt_b)));
  good = good && ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                                   sizeof(epilogue)));
  good = good && ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type,
                                                   sizeof(bias_type)));
  // Stored (column-major) shapes before the transposes.
  const bool a_n = op_lt_a == CUBLAS_OP_N, b_n = op_lt_b == CUBLAS_OP_N;
  good = good && ok(cublasLtMatrixLayoutCreate(&p.a, CUDA_R_16BF, a_n ? mm : kk, a_n ? kk : mm, key.ldb));
  good = good && ok(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_16BF, b_n ? kk : nn, b_n ? nn : kk, key.lda));
  good = good && ok(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32F, mm, nn, key.ldc));
  cublasLtMatmulPreference_t pref = nullptr;
  good = good && ok(cublasLtMatmulPreferenceCreate(&pref));
  const uint64_t ws = kWorkspaceBytes;
  const uint32_t al_a = key.align_b, al_b = key.align_a, al_c = key.align_c;  // cuBLASLt's A is our B
  good = good && ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                                         sizeof(ws)));
  good = good && ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                                         &al_a, sizeof(al_a)));
  good = good && ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                                         &al_b, sizeof(al_b)));
  good = good && ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                                         &al_c, sizeof(al_c)));
  good = good && ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                                         &al_c, sizeof(al_c)));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  good = good &&
         ok(cublasLtMatmulAlgoGetHeuristic(handle, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &found)) &&
         found > 0;
  if (pref) cublasLtMatmulPreferenceDestroy(pref);
  if (good) p.algo = result.algo;
  p.ok = good;
  return p;
}

}  // namespace

bool lt_bf16_bias(int device, int64_t m, int64_t n, int64_t k, const void* a, bool a_row_major, int64_t lda,
                  const void* b, bool b_row_major, int64_t ldb, const float* bias, float* c, int64_t ldc) {
  // The bias epilogue reads the vector with wide loads: 16-byte alignment or the plain path.
  if (alignment_of(bias) < 16) return false;
  const PlanKey key{
      device,         m, n, k, lda, ldb, ldc, a_row_major, b_row_major, alignment_of(a), alignment_of(b),
      alignment_of(c)};
  const std::lock_guard<std::mutex> lock(g_lt_mutex);
  LtDevice& dev = lt_devices()[device];
  if (!dev.handle) {
    if (!ok(cublasLtCreate(&dev.handle))) {
      dev.handle = nullptr;
      return false;
    }
    dev.workspace = Tensor::empty({int64_t(kWorkspaceBytes)}, DType::kU8, Device::cuda(device));
  }
  auto it = plans().find(key);
  if (it == plans().end()) it = plans().emplace(key, make_plan(key, dev.handle)).first;
  Plan& p = it->second;
  if (!p.ok) return false;
  // The bias pointer changes per call; the descriptor is shared, hence set under the lock.
  if (!ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias))))
    return false;
  const float one = 1.f, zero = 0.f;
  check(cublasLtMatmul(dev.handle, p.desc, &one, b, p.a, a, p.b, &zero, c, p.c, c, p.c, &p.algo,
                       dev.workspace.raw_data(), kWorkspaceBytes, stream(device)),
        "cublasLtMatmul(bf16 + bias)");
  return true;
}

}  // namespace sam3rt::cuda
