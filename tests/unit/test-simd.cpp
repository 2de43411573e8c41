// The SIMD instruction set the CPU kernels were built for, and the NEON conversion paths against
// the scalar conversions they replace on Arm (the oracle: bit-exact, see core/dtype.h).
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/simd.h"
#include "core/dtype.h"

using namespace sam3rt;

// A build that reaches aarch64 without NEON (a lost -march, +nosimd) still passes every numeric
// test, only several times slower; this is the test that notices.
TEST(Simd, KernelsAreBuiltForTheTargetsVectorUnit) {
  const std::string isa = cpu::simd_isa();
#if defined(__aarch64__)
  EXPECT_NE(isa.find("neon"), std::string::npos) << "aarch64 build without NEON: " << isa;
#elif defined(__x86_64__)
  EXPECT_NE(isa, "scalar");  // x86-64 always has at least SSE2
  EXPECT_FALSE(isa.empty());
#else
  GTEST_SKIP() << "no SIMD expectation for this architecture (" << isa << ")";
#endif
}

namespace {
bool f32_is_nan(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }

// Lengths that are not multiples of the 8-lane blocks, so the tails are covered too.
constexpr size_t kOdd = 13;

std::vector<float> f32_patterns() {
  std::vector<uint32_t> bits = {0u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u, 0x7fa00000u,
                                0x477fe000u, 0x477ff000u, 0x477fefffu, 0x33000000u, 0x33000001u, 0x387fc000u,
                                0x38800000u, 0x3f808000u, 0x3f818000u, 0x3f808001u, 0x00000001u, 0x007fffffu};
  std::mt19937 rng(20);
  for (int i = 0; i < 200000; ++i) bits.push_back(static_cast<uint32_t>(rng()));
  // Every f16 rounding boundary region: f16-representable values ± a few f32 ulps.
  for (uint32_t h = 0; h < 0x7c00; h += 7) {
    const uint32_t c = f32_bits(f16_to_f32(static_cast<uint16_t>(h)));
    for (uint32_t d : {0x0fffu, 0x1000u, 0x1001u, 0x2fffu, 0x3000u})
      bits.push_back(c + d), bits.push_back((c + d) | 0x80000000u);
  }
  while (bits.size() % 8 != kOdd % 8) bits.push_back(0x3f800000u);
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = bits_f32(bits[i]);
  return out;
}
}  // namespace

TEST(Simd, F16ToF32MatchesScalarOnEveryValue) {
  std::vector<uint16_t> h(0x10000 + kOdd);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint16_t>(i);
  std::vector<float> out(h.size());
  convert_f16_to_f32(h.data(), out.data(), h.size());
  for (size_t i = 0; i < h.size(); ++i) {
    const uint32_t want = f32_bits(f16_to_f32(h[i])), got = f32_bits(out[i]);
    // A signalling NaN may come back quiet (the hardware converters do that); nothing else may differ.
    const uint32_t quiet = f32_is_nan(want) ? 0x00400000u : 0u;
    ASSERT_EQ(got | quiet, want | quiet) << "f16 0x" << std::hex << h[i];
  }
}

TEST(Simd, F32ToF16MatchesScalarBitForBit) {
  const std::vector<float> x = f32_patterns();
  std::vector<uint16_t> out(x.size());
  convert_f32_to_f16(x.data(), out.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(out[i], f32_to_f16(x[i])) << "f32 0x" << std::hex << f32_bits(x[i]);
}

TEST(Simd, Bf16ConversionsMatchScalarBitForBit) {
  const std::vector<float> x = f32_patterns();
  std::vector<uint16_t> b(x.size());
  convert_f32_to_bf16(x.data(), b.data(), x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(b[i], f32_to_bf16(x[i])) << "f32 0x" << std::hex << f32_bits(x[i]);
  std::vector<uint16_t> all(0x10000 + kOdd);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> back(all.size());
  convert_bf16_to_f32(all.data(), back.data(), all.size());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(f32_bits(back[i]), f32_bits(bf16_to_f32(all[i]))) << i;
}

// --- vec-math.h row helpers: NEON on Arm against the scalar forms (the same operations in the same
// order, so bit-identical under GCC, whose ISO C++ mode contracts nothing into FMAs; clang contracts
// within a statement by default, which may move the scalar side by an ulp).
#include "backend/cpu/vec-math.h"

namespace {
int64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  auto key = [](float f) {
    const int32_t i = static_cast<int32_t>(f32_bits(f));
    return i < 0 ? int64_t(INT32_MIN) - i : int64_t(i);  // monotonic in f
  };
  return std::llabs(key(a) - key(b));
}
#if defined(__clang__)
constexpr int64_t kMaxUlp = 2;
#else
constexpr int64_t kMaxUlp = 0;
#endif

std::vector<float> math_inputs() {
  std::vector<float> x = {0.f, -0.f, 1.f, -1.f, 88.7f, 88.73f, -87.3f, -87.34f, -103.f, 1e-30f, -1e-30f,
                          INFINITY, -INFINITY, NAN, 3.5f, -3.5f, 1e4f, -1e4f};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> wide(-100.f, 100.f), narrow(-6.f, 6.f);
  for (int i = 0; i < 20000; ++i) x.push_back(i % 2 ? wide(rng) : narrow(rng));
  x.resize(x.size() / 16 * 16 + kOdd);
  return x;
}
}  // namespace

TEST(Simd, RowMathMatchesScalar) {
  const std::vector<float> x = math_inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> got(x.size()), want(x.size());
  auto check = [&](const char* what) {
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_LE(ulp_distance(got[i], want[i]), kMaxUlp) << what << "(" << x[i] << "): " << got[i] << " vs " << want[i];
  };
  cpu::exp_sub_f32(x.data(), 0.75f, got.data(), n);
  cpu::exp_sub_f32_scalar(x.data(), 0.75f, want.data(), n);
  check("exp");
  cpu::gelu_f32(x.data(), got.data(), n);
  cpu::gelu_f32_scalar(x.data(), want.data(), n);
  check("gelu");
  cpu::sigmoid_f32(x.data(), got.data(), n);
  cpu::sigmoid_f32_scalar(x.data(), want.data(), n);
  check("sigmoid");
  // In place (attention's score rows).
  got = x;
  cpu::exp_sub_f32(got.data(), -2.f, got.data(), n);
  cpu::exp_sub_f32_scalar(x.data(), -2.f, want.data(), n);
  check("exp in place");
}

TEST(Simd, RowReductionsMatchScalar) {
  std::vector<float> x = math_inputs();
  // Finite values for the moments; max also sees a NaN (skipped by both) and -inf.
  for (float& v : x)
    if (!std::isfinite(v)) v = 0.25f;
  for (int64_t n : {int64_t(0), int64_t(5), int64_t(16), int64_t(47), static_cast<int64_t>(x.size())}) {
    float s = 0, s2 = 0, rs = 0, rs2 = 0;
    cpu::sum_dev_f32(x.data(), n, 0.3f, &s, &s2);
    cpu::sum_dev_f32_scalar(x.data(), n, 0.3f, &rs, &rs2);
    EXPECT_LE(ulp_distance(s, rs), kMaxUlp) << n;
    EXPECT_LE(ulp_distance(s2, rs2), kMaxUlp) << n;
  }
  x[33] = NAN;
  x[34] = -INFINITY;
  x[1000] = 1e6f;  // the maximum (inputs reach 1e4), inside the 16-lane part
  const int64_t n = static_cast<int64_t>(x.size());
  EXPECT_EQ(cpu::max_f32(x.data(), n), 1e6f);
  EXPECT_EQ(cpu::max_f32(x.data(), n), cpu::max_f32_scalar(x.data(), n));
  EXPECT_EQ(cpu::max_f32(x.data() + 30, 7), cpu::max_f32_scalar(x.data() + 30, 7));
}
