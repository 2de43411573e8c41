// bf16 GEMM on oneDNN's matmul primitive (bf16-gemm.h). Primitives are created once per shape,
// stride layout and thread count and cached; each call brings its own scratchpad, so concurrent
// calls (attention's pool workers, other sessions) never share state inside oneDNN.
#include "backend/cpu/bf16-gemm.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/blas.h"
#include "core/context.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/thread-pool.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(SAM3RT_WITH_DNNL)
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace sam3rt::cpu {

namespace {

#if defined(__x86_64__)
// XCR0: the OS saves the AVX-512 state (opmask, upper ZMM halves, ZMM16-31) besides SSE/AVX.
bool os_saves_avx512() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 0xe6u) == 0xe6u;
}

bool cpuid7(unsigned sub, unsigned* a, unsigned* b, unsigned* c, unsigned* d) {
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, sub, *a, *b, *c, *d);
  return true;
}
#endif

}  // namespace

bool cpu_has_avx512_bf16() {
#if defined(__x86_64__)
  static const bool has = [] {
    unsigned a, b, c, d;
    return os_saves_avx512() && cpuid7(1, &a, &b, &c, &d) && (a & (1u << 5));  // CPUID.7.1:EAX.AVX512_BF16
  }();
  return has;
#else
  return false;
#endif
}

bool cpu_has_amx_bf16() {
#if defined(__x86_64__)
  static const bool has = [] {
    unsigned a, b, c, d;
    // CPUID.7.0:EDX.AMX-BF16 (bit 22) and AMX-TILE (bit 24); oneDNN asks Linux for the tile state.
    return os_saves_avx512() && cpuid7(0, &a, &b, &c, &d) && (d & (1u << 22)) && (d & (1u << 24));
  }();
  return has;
#else
  return false;
#endif
}

std::string bf16_unavailable_reason() {
#if !defined(__x86_64__)
  return "bf16 on the CPU needs an x86-64 CPU with AVX-512-BF16 or AMX (this is not x86-64)";
#else
  if (!cpu_has_avx512_bf16() && !cpu_has_amx_bf16())
    return "this CPU has neither AMX-BF16 nor AVX-512-BF16 instructions";
#if !defined(SAM3RT_WITH_DNNL)
  return "this build has no oneDNN (install libdnnl-dev, scripts/install-deps.sh, and rebuild)";
#else
  return "";
#endif
#endif
}

#if defined(SAM3RT_WITH_DNNL)
namespace {

using dnnl::memory;
using Dims = memory::dims;

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// Everything a matmul primitive is specialised for.
using PrimitiveKey = std::tuple<int64_t, int64_t, int64_t,                    // m, n, k
                                int64_t, int64_t, int64_t, int64_t, int64_t,  // strides of A, B; ldc
                                float, float, bool, int>;                     // alpha, beta, bias, threads

struct CachedMatmul {
  dnnl::matmul primitive;
  memory::desc a, b, c, bias, scratch;
};

const CachedMatmul& matmul_for(const PrimitiveKey& key) {
  static std::mutex mu;
  static std::map<PrimitiveKey, CachedMatmul> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto [m, n, k, sa0, sa1, sb0, sb1, ldc, alpha, beta, has_bias, threads] = key;
  (void)threads;  // part of the key: oneDNN sizes its blocking for the thread count at creation
  CachedMatmul cm;
  cm.a = memory::desc(Dims{m, k}, memory::data_type::bf16, Dims{sa0, sa1});
  cm.b = memory::desc(Dims{k, n}, memory::data_type::bf16, Dims{sb0, sb1});
  cm.c = memory::desc(Dims{m, n}, memory::data_type::f32, Dims{ldc, 1});
  if (has_bias) cm.bias = memory::desc(Dims{1, n}, memory::data_type::f32, Dims{n, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (alpha != 1.f) attr.set_output_scales(0, {alpha});
  if (beta != 0.f) {
    dnnl::post_ops po;
    po.append_sum(beta);
    attr.set_post_ops(po);
  }
  auto desc = has_bias ? dnnl::matmul::desc(cm.a, cm.b, cm.bias, cm.c) : dnnl::matmul::desc(cm.a, cm.b, cm.c);
  dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
  cm.scratch = pd.scratchpad_desc();
  cm.primitive = dnnl::matmul(pd);
  return cache.emplace(key, std::move(cm)).first->second;
}

// op(X) [rows, cols] as bf16: in place when it already is, else rounded into `buf` in its own
// storage layout (packed: ld = the stored row length).
const uint16_t* as_bf16(const Bf16Operand& x, int64_t rows, int64_t cols, std::vector<uint16_t>& buf,
                        int64_t* ld, bool parallel) {
  if (x.is_bf16) {
    *ld = x.ld;
    return static_cast<const uint16_t*>(x.data);
  }
  const int64_t srows = x.trans ? cols : rows, slen = x.trans ? rows : cols;
  buf.resize(static_cast<size_t>(srows * slen));
  const float* src = static_cast<const float*>(x.data);
  auto convert = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) convert_f32_to_bf16(src + r * x.ld, buf.data() + r * slen, slen);
  };
  if (parallel)
    parallel_for(srows, std::max<int64_t>(1, 32768 / std::max<int64_t>(slen, 1)), convert);
  else
    convert(0, srows);
  *ld = slen;
  return buf.data();
}

}  // namespace

void gemm_bf16(int64_t m, int64_t n, int64_t k, float alpha, const Bf16Operand& a, const Bf16Operand& b,
               float beta, float* c, int64_t ldc, const float* bias) {
  if (m == 0 || n == 0) return;
  static const std::string why = bf16_unavailable_reason();
  SAM3RT_CHECK(why.empty(), kUnsupported, "bf16 matrix products are not available: ", why);
  const bool nested = in_parallel_region();
  const int ctx_threads = current_context().n_threads;
  // Small products (the detector's per-query layers, attention blocks) run on the calling thread:
  // starting an OpenMP team costs more than they do (a 256×512×64 product took 7× longer on two
  // threads: 1.81 ms against 0.24 ms on one, bench_bf16_gemm on the loaded dev box).
  const bool small = static_cast<double>(m) * n * k <= 16.0 * 1024 * 1024;
  const int threads =
      nested || small ? 1 : (ctx_threads > 0 ? std::min(ctx_threads, num_threads()) : num_threads());
  thread_local std::vector<uint16_t> abuf, bbuf;
  thread_local std::vector<uint8_t> scratch;
  int64_t lda = 0, ldb = 0;
  const uint16_t* ap = as_bf16(a, m, k, abuf, &lda, !nested);
  const uint16_t* bp = as_bf16(b, k, n, bbuf, &ldb, !nested);
  if (k == 0) {  // no products: C = beta·C (+ bias)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = (beta == 0.f ? 0.f : beta * c[i * ldc + j]) + (bias ? bias[j] : 0.f);
    return;
  }
  const int64_t sa0 = a.trans ? 1 : lda, sa1 = a.trans ? lda : 1;
  const int64_t sb0 = b.trans ? 1 : ldb, sb1 = b.trans ? ldb : 1;
  const PrimitiveKey key{m, n, k, sa0, sa1, sb0, sb1, ldc, alpha, beta, bias != nullptr, threads};
  omp_set_num_threads(threads);  // per calling thread (OpenMP's nthreads-var)
  const CachedMatmul& mm = matmul_for(key);
  scratch.resize(mm.scratch.get_size());
  dnnl::engine& eng = cpu_engine();
  memory am(mm.a, eng, const_cast<uint16_t*>(ap)), bm(mm.b, eng, const_cast<uint16_t*>(bp)), cm(mm.c, eng, c);
  memory sm(mm.scratch, eng, scratch.data());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(mm.bias, eng, const_cast<float*>(bias)));
  dnnl::stream s(eng);
  mm.primitive.execute(s, args);
  s.wait();
}

#else

void gemm_bf16(int64_t, int64_t, int64_t, float, const Bf16Operand&, const Bf16Operand&, float, float*,
               int64_t, const float*) {
  fail(ErrorCode::kUnsupported, "bf16 matrix products are not available: ", bf16_unavailable_reason());
}

#endif

void gemm_f32_operands(bool bf16, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                       int64_t ldc) {
  if (bf16)
    gemm_bf16(m, n, k, alpha, Bf16Operand{a, false, trans_a, lda}, Bf16Operand{b, false, trans_b, ldb}, beta,
              c, ldc);
  else
    blas_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace sam3rt::cpu
