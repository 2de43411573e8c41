#include "core/numerics.h"

#include <atomic>
#include <cstring>

#include "core/thread-pool.h"

namespace sam3rt {
namespace {

std::atomic<MatmulPrecision> g_matmul{MatmulPrecision::kF32};
std::atomic<MatmulPrecision> g_attention{MatmulPrecision::kF32};
std::atomic<Tf32Filter> g_filter{nullptr};

}  // namespace

void set_matmul_precision(MatmulPrecision p) { g_matmul.store(p); }
MatmulPrecision matmul_precision() { return g_matmul.load(); }
void set_attention_precision(MatmulPrecision p) { g_attention.store(p); }
MatmulPrecision attention_precision() { return g_attention.load(); }

ScopedNumerics::ScopedNumerics(MatmulPrecision matmul, MatmulPrecision attention)
    : matmul_(matmul_precision()), attention_(attention_precision()) {
  set_matmul_precision(matmul);
  set_attention_precision(attention);
}

ScopedNumerics::~ScopedNumerics() {
  set_matmul_precision(matmul_);
  set_attention_precision(attention_);
}

float round_tf32(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u) return x;  // inf / NaN
  // Drop the 13 low mantissa bits, rounding to nearest with ties to even (a carry into the
  // exponent is the correct result, up to and including overflow to inf).
  const uint32_t lsb = (u >> 13) & 1u;
  u += 0x0fffu + lsb;
  u &= 0xffffe000u;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

void set_tf32_filter(Tf32Filter filter) { g_filter.store(filter); }

bool default_tf32_filter(const GemmSite& site) { return site.m > 1 && site.n > 1; }

bool tf32_gemm(const GemmSite& site) {
  const MatmulPrecision mode = site.kind == GemmKind::kAttention ? attention_precision() : matmul_precision();
  if (mode != MatmulPrecision::kTf32Emulated) return false;
  const Tf32Filter filter = g_filter.load();
  return filter ? filter(site) : default_tf32_filter(site);
}

Tensor tf32_rounded(const Tensor& x) {
  Tensor y = x.clone();
  float* p = y.data<float>();
  parallel_for(y.numel(), 1 << 14, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) p[i] = round_tf32(p[i]);
  });
  return y;
}

}  // namespace sam3rt
