// How to run `--precision bf16`'s products on the CPU, measured: the ViT's GEMM shapes (qkv, MLP
// fc1, fc2: 5184 tokens at the released width) and one attention block product, through
//   - BareSgemm:   OpenBLAS sgemm (the fp32 path), the baseline of the same run;
//   - OneDnnBf16:  cpu::gemm_bf16 (oneDNN matmul; what sam3rt uses), weight already bf16, the
//                  activation rounded to bf16 inside the call as ops::linear does;
//   - OwnAvx512Bf16: a plain AVX-512-BF16 micro-kernel (packed bf16 weight panels of 32 columns,
//                  8×32 register tile, `vdpbf16ps`, K blocked by 256), the alternative considered.
// (OpenBLAS's cblas_sbgemm would be a third, but Debian's libopenblas is built without it.)
// Skips the bf16 rows on CPUs without AVX-512-BF16. bench/NOTES.md has the numbers and the choice.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "backend/cpu/bf16-gemm.h"
#include "bench/bench-util.h"
#include "core/dtype.h"
#include "core/numerics.h"
#include "core/thread-pool.h"
#include "ops/ops.h"

using namespace sam3rt;

namespace {

using bench::random;
using bench::set_flops;

// {M, N, K}: qkv, fc1, fc2 of a released ViT block; an attention S = Q·Kᵀ block (256 × 512 × 64).
const int64_t kShapes[][3] = {{5184, 3072, 1024}, {5184, 4736, 1024}, {5184, 1024, 4736}, {256, 512, 64}};

struct Problem {
  int64_t m, n, k;
  Tensor x, w, y;             // x [m, k] f32, w [n, k] f32 (linear's weight), y [m, n]
  std::vector<uint16_t> w16;  // w in bf16, [n, k]
  explicit Problem(int shape) : m(kShapes[shape][0]), n(kShapes[shape][1]), k(kShapes[shape][2]) {
    x = random({m, k}, 1);
    w = random({n, k}, 2);
    y = Tensor::empty({m, n});
    w16.resize(static_cast<size_t>(n * k));
    convert_f32_to_bf16(w.data<float>(), w16.data(), w16.size());
  }
};

void BM_BareSgemm(benchmark::State& state) {
  num_threads();
  Problem p(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p.m, p.n, p.k, 1.f, p.x.data<float>(), p.k,
                p.w.data<float>(), p.k, 0.f, p.y.data<float>(), p.n);
    benchmark::DoNotOptimize(p.y.data<float>());
  }
  set_flops(state, 2.0 * p.m * p.n * p.k);
}

void BM_OneDnnBf16(benchmark::State& state) {
  if (!cpu::bf16_unavailable_reason().empty()) return state.SkipWithError("no bf16 on this CPU / build");
  Problem p(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    cpu::gemm_bf16(p.m, p.n, p.k, 1.f, cpu::Bf16Operand{p.x.data<float>(), false, false, p.k},
                   cpu::Bf16Operand{p.w16.data(), true, true, p.k}, 0.f, p.y.data<float>(), p.n);
    benchmark::DoNotOptimize(p.y.data<float>());
  }
  set_flops(state, 2.0 * p.m * p.n * p.k);
}

#if defined(__x86_64__)
constexpr int64_t kTileM = 8, kPanelN = 32, kBlockK = 256, kBlockM = 216;  // 5184 = 24 × 216

// w [n, k] bf16 → panels of 32 output columns: panel[kp][col][2] = w[col, 2kp .. 2kp+1] (k even).
std::vector<uint16_t> pack_panels(const std::vector<uint16_t>& w, int64_t n, int64_t k) {
  std::vector<uint16_t> out(static_cast<size_t>(n * k));
  for (int64_t p = 0; p < n / kPanelN; ++p)
    for (int64_t kp = 0; kp < k / 2; ++kp)
      for (int64_t c = 0; c < kPanelN; ++c)
        for (int64_t e = 0; e < 2; ++e)
          out[((p * (k / 2) + kp) * kPanelN + c) * 2 + e] = w[(p * kPanelN + c) * k + 2 * kp + e];
  return out;
}

// C[8, 32] (+)= A[8, kc] · panel block; A rows bf16 with row stride lda (elements).
__attribute__((target("avx512f,avx512bf16"))) void tile_8x32(const uint16_t* a, int64_t lda,
                                                             const uint16_t* panel, int64_t kpairs, float* c,
                                                             int64_t ldc, bool accumulate) {
  __m512 acc[kTileM][2];
  for (int r = 0; r < kTileM; ++r)
    for (int h = 0; h < 2; ++h)
      acc[r][h] = accumulate ? _mm512_loadu_ps(c + r * ldc + 16 * h) : _mm512_setzero_ps();
  for (int64_t kp = 0; kp < kpairs; ++kp) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + kp * 64);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + kp * 64 + 32);
    for (int r = 0; r < kTileM; ++r) {
      int32_t pair;
      __builtin_memcpy(&pair, a + r * lda + 2 * kp, 4);
      const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
    }
  }
  for (int r = 0; r < kTileM; ++r)
    for (int h = 0; h < 2; ++h) _mm512_storeu_ps(c + r * ldc + 16 * h, acc[r][h]);
}

// The panel interleave above puts columns c and c+16 of a 32-column panel in different halves:
// b0 covers columns 0..15 (pairs interleaved), b1 columns 16..31.
void BM_OwnAvx512Bf16(benchmark::State& state) {
  if (!cpu::cpu_has_avx512_bf16()) return state.SkipWithError("no AVX-512-BF16 on this CPU");
  Problem p(static_cast<int>(state.range(0)));
  const std::vector<uint16_t> panels = pack_panels(p.w16, p.n, p.k);  // once, as kept weights would be
  std::vector<uint16_t> a16(static_cast<size_t>(p.m * p.k));
  for (auto _ : state) {
    // The activation is rounded to bf16 in the call, as in OneDnnBf16.
    parallel_for(p.m, 64, [&](int64_t r0, int64_t r1) {
      convert_f32_to_bf16(p.x.data<float>() + r0 * p.k, a16.data() + r0 * p.k, (r1 - r0) * p.k);
    });
    float* y = p.y.data<float>();
    // Row blocks of 216 (A block 216 × 256 bf16 = 108 KiB stays in L2) on the pool; inside, each
    // 16 KiB panel block stays in L1 across the block's 32 row tiles.
    parallel_for(p.m / kBlockM, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t mb = b0; mb < b1; ++mb)
        for (int64_t k0 = 0; k0 < p.k; k0 += kBlockK) {
          const int64_t kc = std::min(kBlockK, p.k - k0);
          for (int64_t pn = 0; pn < p.n / kPanelN; ++pn) {
            const uint16_t* panel = panels.data() + (pn * (p.k / 2) + k0 / 2) * kPanelN * 2;
            for (int64_t i = mb * kBlockM; i < (mb + 1) * kBlockM; i += kTileM)
              tile_8x32(a16.data() + i * p.k + k0, p.k, panel, kc / 2, y + i * p.n + pn * kPanelN, p.n,
                        k0 > 0);
          }
        }
    });
    benchmark::DoNotOptimize(y);
  }
  // A few entries against the bf16-rounded product in double: the kernel computes what it claims.
  double worst = 0;
  for (int64_t t = 0; t < 64; ++t) {
    const int64_t i = (t * 977) % p.m, j = (t * 131) % p.n;
    double ref = 0;
    for (int64_t q = 0; q < p.k; ++q)
      ref += double(bf16_to_f32(a16[i * p.k + q])) * bf16_to_f32(p.w16[j * p.k + q]);
    worst = std::max(worst, std::abs(ref - p.y.data<float>()[i * p.n + j]) / (std::abs(ref) + 1.0));
  }
  state.counters["check_rel_err"] = worst;
  set_flops(state, 2.0 * p.m * p.n * p.k);
}
#endif

// ops::attention in fp32 (BLAS sgemm per block) and under bf16 (gemm_bf16 per block, single-threaded
// inside the pool's tasks): args precision (0 fp32, 1 bf16), windows, heads, tokens, head dim.
void BM_OpsAttention(benchmark::State& state) {
  const bool bf16 = state.range(0) != 0;
  if (bf16 && !cpu::bf16_unavailable_reason().empty())
    return state.SkipWithError("no bf16 on this CPU / build");
  const int64_t B = state.range(1), H = state.range(2), L = state.range(3), D = state.range(4);
  Tensor q = random({B, L, H, D}, 1).permute({0, 2, 1, 3});
  Tensor k = random({B, L, H, D}, 2).permute({0, 2, 1, 3});
  Tensor v = random({B, L, H, D}, 3).permute({0, 2, 1, 3});
  const ScopedNumerics numerics(bf16 ? MatmulPrecision::kBf16 : MatmulPrecision::kF32);
  for (auto _ : state) {
    Tensor y = ops::attention(q, k, v, Tensor(), Tensor(), 0.125f);
    benchmark::DoNotOptimize(y.data<float>());
  }
  set_flops(state, 4.0 * B * H * L * L * D);
}

}  // namespace

BENCHMARK(BM_OpsAttention)
    ->ArgsProduct({{0, 1}, {9}, {16}, {576}, {64}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OpsAttention)
    ->ArgsProduct({{0, 1}, {1}, {16}, {5184}, {64}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_BareSgemm)->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OneDnnBf16)->DenseRange(0, 3)->Unit(benchmark::kMillisecond)->UseRealTime();
#if defined(__x86_64__)
BENCHMARK(BM_OwnAvx512Bf16)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

BENCHMARK_MAIN();
