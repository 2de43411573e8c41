#include <gtest/gtest.h>

#include "common/test-util.h"
#include "core/tensor.h"

using namespace sam3rt;

TEST(Tensor, ViewsShareStorage) {
  Tensor t = test::random_tensor({2, 3, 4}, 1);
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), Shape({4, 2, 3}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_EQ(p.storage(), t.storage());
  EXPECT_FLOAT_EQ(p.item_at({3, 1, 2}), t.item_at({1, 2, 3}));
  Tensor c = p.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FLOAT_EQ(c.item_at({3, 1, 2}), t.item_at({1, 2, 3}));
  Tensor s = t.slice(2, 1, 4, 2);
  EXPECT_EQ(s.shape(), Shape({2, 3, 2}));
  EXPECT_FLOAT_EQ(s.item_at({1, 2, 1}), t.item_at({1, 2, 3}));
  Tensor v = t.view({6, -1});
  EXPECT_EQ(v.shape(), Shape({6, 4}));
  EXPECT_EQ(v.storage(), t.storage());
  Tensor e = t.slice(0, 0, 1).expand({5, 3, 4});
  EXPECT_FLOAT_EQ(e.item_at({4, 1, 1}), t.item_at({0, 1, 1}));
  EXPECT_THROW(p.view({24}), Error);
  EXPECT_EQ(p.reshape({24}).numel(), 24);
}

TEST(Tensor, TransposeViewOfSplitDims) {
  Tensor t = test::random_tensor({4, 6}, 2);
  Tensor v = t.view({2, 2, 3, 2});
  EXPECT_FLOAT_EQ(v.item_at({1, 0, 2, 1}), t.item_at({2, 5}));
  Tensor tt = t.transpose(0, 1);  // [6, 4] non-contiguous
  Tensor r = tt.view({3, 2, 4});  // splitting a dim of a transposed view is allowed
  EXPECT_FLOAT_EQ(r.item_at({2, 1, 3}), t.item_at({3, 5}));
}

TEST(DType, Bf16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to even (1.0).
  EXPECT_EQ(f32_to_bf16(bits_f32(0x3f808000u)), 0x3f80);
  EXPECT_EQ(f32_to_bf16(bits_f32(0x3f818000u)), 0x3f82);
  EXPECT_EQ(f32_to_bf16(bits_f32(0x3f808001u)), 0x3f81);
}

TEST(DType, F16RoundTripsAndRounds) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint16_t x = static_cast<uint16_t>(h);
    bool is_nan = (x & 0x7c00) == 0x7c00 && (x & 0x3ff);
    if (is_nan) continue;
    ASSERT_EQ(f32_to_f16(f16_to_f32(x)), x) << h;
  }
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(65504.f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65520.f), 0x7c00);  // rounds to inf
  // Halfway between 1 and 1+2^-10: tie to even (1.0); just above: rounds up.
  EXPECT_EQ(f32_to_f16(1.0f + 0.00048828125f), 0x3c00);
  EXPECT_EQ(f32_to_f16(1.0f + 3 * 0.00048828125f), 0x3c02);
  EXPECT_EQ(f32_to_f16(5.9604644775390625e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16(2.98023223876953125e-8f), 0x0000);  // half of it: tie to even 0
}

TEST(Tensor, DtypeConversionRoundTrip) {
  Tensor t = test::random_tensor({3, 5}, 3);
  Tensor h = t.to(DType::kF16);
  Tensor back = h.to(DType::kF32);
  EXPECT_LT(test::rel_error(back, t), 1e-3);
  Tensor b = t.transpose(0, 1).to(DType::kBF16).to(DType::kF32);
  EXPECT_LT(test::rel_error(b, t.transpose(0, 1)), 1e-2);
}

// Large strided copies go row by row over the thread pool: every layout must land exactly where
// item_at says, whatever row a worker starts at (sizes chosen so rows split across workers).
TEST(Tensor, ParallelStridedCopyMatchesElementwise) {
  Tensor t = test::random_tensor({6, 37, 5, 64}, 3);
  const std::vector<Tensor> views = {
      t.permute({0, 2, 1, 3}),                          // heads out of [B, L, H, D]: rows contiguous
      t.permute({3, 1, 0, 2}),                          // last dimension strided
      t.slice(1, 3, 37, 2).slice(3, 1, 64, 3),          // stepped slices
      t.select(2, 4).unsqueeze(1).expand({6, 7, 37, 64}),  // stride-0 broadcast dimension
      t.transpose(0, 3).reshape({64, 37 * 5 * 6}).transpose(0, 1),
  };
  for (size_t v = 0; v < views.size(); ++v) {
    const Tensor& view = views[v];
    const Tensor c = view.contiguous();
    ASSERT_TRUE(c.is_contiguous());
    const std::vector<float> got = c.to_vector();
    // Element-wise expectation through item_at on every index.
    std::vector<int64_t> idx(view.dim(), 0);
    int64_t bad = 0;
    for (int64_t lin = 0; lin < view.numel(); ++lin) {
      if (got[lin] != view.item_at(idx)) ++bad;
      for (int d = view.dim() - 1; d >= 0; --d) {
        if (++idx[d] < view.size(d)) break;
        idx[d] = 0;
      }
    }
    EXPECT_EQ(bad, 0) << "view " << v << " " << view.str();
  }
}

// i64 → i32 and the other integer conversions are exact: a detour through f32 would round
// 16777217 (2^24 + 1) to 16777216. Strided sources and destinations take the same path.
TEST(Tensor, IntegerConversionsAreExact) {
  const std::vector<int64_t> values = {16777217, -16777219, 2147483647, -2147483647 - 1, 0, 123456789};
  Tensor i64 = Tensor::empty({2, 3}, DType::kI64);
  std::copy(values.begin(), values.end(), i64.data<int64_t>());
  const Tensor i32 = i64.to(DType::kI32);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(i32.data<int32_t>()[i], static_cast<int32_t>(values[i])) << i;
  const Tensor back = i32.to(DType::kI64);
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(back.data<int64_t>()[i], values[i]) << i;
  Tensor strided = Tensor::zeros({3, 2}, DType::kI32);
  strided.copy_(i64.transpose(0, 1));  // strided source
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 2; ++c)
      EXPECT_EQ(strided.data<int32_t>()[r * 2 + c], static_cast<int32_t>(values[c * 3 + r])) << r << "," << c;
  Tensor dst = Tensor::zeros({3, 2}, DType::kI32).transpose(0, 1);  // strided destination
  dst.copy_(i64);
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(dst.contiguous().data<int32_t>()[i], static_cast<int32_t>(values[i])) << i;
}

// reshape takes a view when the layout allows one and copies otherwise, without an exception in
// between: try_view says which, and still throws for a shape with the wrong element count.
TEST(Tensor, TryViewSaysWhetherAViewExists) {
  const Tensor x = Tensor::from_vector({2, 3}, {0, 1, 2, 3, 4, 5});
  ASSERT_TRUE(x.try_view({3, 2}).has_value());
  EXPECT_EQ(x.try_view({3, 2})->raw_data(), x.raw_data());
  EXPECT_EQ(x.try_view({-1})->shape(), Shape({6}));
  const Tensor t = x.transpose(0, 1);  // [3, 2], not contiguous
  EXPECT_FALSE(t.try_view({6}).has_value());
  EXPECT_TRUE(t.try_view({3, 1, 2}).has_value());  // inserting a unit dim needs no copy
  EXPECT_THROW(x.try_view({4}), Error);
  const Tensor r = t.reshape({6});
  EXPECT_NE(r.raw_data(), x.raw_data());
  EXPECT_EQ(r.to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}
