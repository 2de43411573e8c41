// Vulkan attention (shaders/attention.comp) and RoPE, adapted from tests/cuda/test-cuda-attention.cpp,
// against the CPU reference kernels: SAM 3's shapes scaled down (the reference is single-threaded f64 on the
// host), head dims on every bucket and off the float4 path, strided head views, key padding masks, additive
// biases with −∞ and stride-0 broadcasts, edges.
#include <cmath>
#include <functional>
#include <limits>

#include "backend/cpu/cpu-kernels.h"
#include "ops/ops.h"
#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The bias as the ops layer hands it to the kernels: unsqueezed to 4-D, expanded (stride 0).
Tensor expand_bias(const Tensor& bias, const Shape& full) {
  Tensor v = bias;
  while (v.dim() < 4) v = v.unsqueeze(0);
  return v.expand(full);
}

// u8 [B, Lk], 1 = padding: every `every`-th key padded, batch entries listed in `all_padded` fully.
Tensor make_mask(int64_t B, int64_t Lk, int64_t every, std::vector<int64_t> all_padded = {}) {
  Tensor m = Tensor::zeros({B, Lk}, DType::kU8);
  uint8_t* p = m.data<uint8_t>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < Lk; ++j) p[b * Lk + j] = (j + b) % every == 0;
  for (int64_t b : all_padded)
    for (int64_t j = 0; j < Lk; ++j) p[b * Lk + j] = 1;
  return m;
}

Tensor on_gpu(const Tensor& t) { return t.defined() ? t.to(gpu()) : Tensor(); }

// Runs ops::attention on the GPU copies and the reference on the host; `bias` is the un-expanded
// bias (the ops layer broadcasts it). Returns the GPU result on the host.
Tensor check_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                       const Tensor& bias, float scale, const std::string& what, double tol = 1e-5) {
  const Shape full{q.size(0), q.size(1), q.size(2), k.size(2)};
  const Tensor got = ops::attention(on_gpu(q), on_gpu(k), on_gpu(v), on_gpu(mask), on_gpu(bias), scale);
  const Tensor want =
      cpu::ref::attention(q, k, v, mask, bias.defined() ? expand_bias(bias, full) : Tensor(), scale);
  expect_vulkan_close(got, want, tol, what);
  return got.to(Device::cpu());
}

// Same, but the GPU operands are views `view` of device copies of the host bases (so the kernel
// sees the strided device layout, not a contiguous copy made on the host).
Tensor check_attention_views(const Tensor& qb, const Tensor& kb, const Tensor& vb,
                             const std::function<Tensor(const Tensor&)>& view, float scale,
                             const std::string& what) {
  const Tensor qd = qb.to(gpu()), kd = kb.to(gpu()), vd = vb.to(gpu());
  const Tensor got = ops::attention(view(qd), view(kd), view(vd), Tensor(), Tensor(), scale);
  const Tensor want = cpu::ref::attention(view(qb), view(kb), view(vb), Tensor(), Tensor(), scale);
  expect_vulkan_close(got, want, 1e-5, what);
  return got;
}

TEST(VulkanAttention, HeadDimsAndRaggedTiles) {
  SAM3RT_REQUIRE_VULKAN();
  // D on every bucket (16, 32, 64, 128, 256: the tracker's single 256-channel head) and off the float4 path
  // (odd, not a multiple of 4); Lq, Lk not multiples of the 64-row tiles; Dv ≠ D both ways.
  struct Case {
    int64_t B, H, Lq, Lk, D, Dv;
  };
  const Case cases[] = {{2, 3, 70, 130, 8, 8},      {2, 3, 70, 130, 16, 24}, {1, 2, 65, 129, 32, 32},
                        {1, 2, 100, 191, 64, 64},   {1, 2, 63, 64, 64, 40},  {1, 1, 90, 77, 128, 128},
                        {1, 2, 33, 70, 100, 12},    {2, 1, 17, 45, 3, 5},    {1, 2, 20, 30, 12, 96},
                        {2, 1, 150, 300, 256, 256}, {1, 1, 70, 65, 200, 256}};
  uint64_t seed = 1000;
  for (const Case& c : cases) {
    const Tensor q = random_tensor({c.B, c.H, c.Lq, c.D}, seed++),
                 k = random_tensor({c.B, c.H, c.Lk, c.D}, seed++);
    const Tensor v = random_tensor({c.B, c.H, c.Lk, c.Dv}, seed++);
    const std::string what = "D=" + std::to_string(c.D) + " Dv=" + std::to_string(c.Dv) +
                             " Lq=" + std::to_string(c.Lq) + " Lk=" + std::to_string(c.Lk);
    check_attention(q, k, v, Tensor(), Tensor(), 1.f / std::sqrt(static_cast<float>(c.D)), what);
    // Large logits: the running maximum changes from tile to tile (rescaling exercised). Kept to
    // small D: an f32 dot product's rounding (~√D·ulp) times a large scale would reach the
    // tolerance as a logit error, whatever the kernel.
    const float big = c.D <= 16 ? 4.f : 1.f;
    check_attention(q, k, v, Tensor(), Tensor(), big, what + " large scale");
  }
}

TEST(VulkanAttention, Sam3ShapesScaledDown) {
  SAM3RT_REQUIRE_VULKAN();
  // ViT windowed attention: B = 9 windows of 24×24 = 576 tokens, D = 64 (2 of 16 heads, 2 windows).
  check_attention(random_tensor({2, 2, 576, 64}, 1100), random_tensor({2, 2, 576, 64}, 1101),
                  random_tensor({2, 2, 576, 64}, 1102), Tensor(), Tensor(), 0.125f, "vit window");
  // Fusion encoder self-attention, D = 32 (sequence cut from 5184).
  check_attention(random_tensor({1, 2, 600, 32}, 1103), random_tensor({1, 2, 600, 32}, 1104),
                  random_tensor({1, 2, 600, 32}, 1105), Tensor(), Tensor(), 1.f / std::sqrt(32.f),
                  "fusion self");
  // Decoder cross-attention to the image: 201 queries, box relative-position bias [1, H, 201, Lk].
  check_attention(random_tensor({1, 2, 201, 32}, 1106), random_tensor({1, 2, 500, 32}, 1107),
                  random_tensor({1, 2, 500, 32}, 1108), Tensor(),
                  random_tensor({1, 2, 201, 500}, 1109, -4.f, 4.f), 1.f / std::sqrt(32.f), "box rpb cross");
  // Cross-attention to a few masked prompt tokens (Lk < one tile).
  check_attention(random_tensor({2, 2, 300, 32}, 1110), random_tensor({2, 2, 7, 32}, 1111),
                  random_tensor({2, 2, 7, 32}, 1112), make_mask(2, 7, 3), Tensor(), 1.f / std::sqrt(32.f),
                  "prompt cross");
  // Text encoder: L = 32, D = 64, causal bias [L, L] with −∞ above the diagonal.
  Tensor causal = Tensor::zeros({32, 32});
  for (int64_t i = 0; i < 32; ++i)
    for (int64_t j = i + 1; j < 32; ++j) causal.data<float>()[i * 32 + j] = -kInf;
  check_attention(random_tensor({2, 4, 32, 64}, 1113), random_tensor({2, 4, 32, 64}, 1114),
                  random_tensor({2, 4, 32, 64}, 1115), Tensor(), causal, 0.125f, "text causal");
}

TEST(VulkanAttention, StridedHeadViews) {
  SAM3RT_REQUIRE_VULKAN();
  const int64_t B = 2, L = 150, H = 3, D = 16;
  // Heads permuted out of [B, L, H, D].
  check_attention_views(
      random_tensor({B, L, H, D}, 1200), random_tensor({B, L, H, D}, 1201), random_tensor({B, L, H, D}, 1202),
      [](const Tensor& t) {
        return t.permute({0, 2, 1, 3});
      },
      0.25f, "[B, L, H, D] permuted");
  // One of q/k/v selected out of a packed [B, L, 3, H, D] projection (row stride 3·H·D).
  check_attention_views(
      random_tensor({B, L, 3, H, D}, 1203), random_tensor({B, L, 3, H, D}, 1204),
      random_tensor({B, L, 3, H, D}, 1205),
      [](const Tensor& t) {
        return t.select(2, 1).permute({0, 2, 1, 3});
      },
      0.25f, "packed qkv");
  // Misaligned base (a slice starting at column 1: no float4 loads) with a strided last dimension
  // (every other column: the kernel copies it first).
  check_attention_views(
      random_tensor({B, H, L, 2 * D + 1}, 1206), random_tensor({B, H, L, 2 * D + 1}, 1207),
      random_tensor({B, H, L, 2 * D + 1}, 1208), [](const Tensor& t) { return t.slice(3, 1, 2 * D + 1, 1); },
      0.25f, "misaligned slice");
  check_attention_views(
      random_tensor({B, H, L, 2 * D}, 1209), random_tensor({B, H, L, 2 * D}, 1210),
      random_tensor({B, H, L, 2 * D}, 1211), [](const Tensor& t) { return t.slice(3, 0, 2 * D, 2); }, 0.25f,
      "strided last dim");
  // Transposed head dim ([B, H, D, L] viewed as [B, H, L, D]).
  check_attention_views(
      random_tensor({B, H, D, L}, 1212), random_tensor({B, H, D, L}, 1213), random_tensor({B, H, D, L}, 1214),
      [](const Tensor& t) { return t.transpose(2, 3); }, 0.25f, "transposed");
  // Stride-0 (expanded) key sequence and batch.
  const Tensor q = random_tensor({2, 2, 40, 16}, 1215), ke = random_tensor({1, 2, 1, 16}, 1216);
  const Tensor v = random_tensor({2, 2, 90, 8}, 1217);
  const Tensor got =
      ops::attention(q.to(gpu()), ke.to(gpu()).expand({2, 2, 90, 16}), v.to(gpu()), Tensor(), Tensor(), 0.5f);
  expect_vulkan_close(got, cpu::ref::attention(q, ke.expand({2, 2, 90, 16}), v, Tensor(), Tensor(), 0.5f),
                      1e-5, "expanded k");
}

TEST(VulkanAttention, MasksAndBiases) {
  SAM3RT_REQUIRE_VULKAN();
  const int64_t B = 3, H = 2, Lq = 45, Lk = 530, D = 8;
  const Tensor q = random_tensor({B, H, Lq, D}, 1300), k = random_tensor({B, H, Lk, D}, 1301);
  const Tensor v = random_tensor({B, H, Lk, D}, 1302);
  // Padding in every batch entry, the last one entirely: its rows are zeros.
  const Tensor mask = make_mask(B, Lk, 3, {B - 1});
  Tensor got = check_attention(q, k, v, mask, Tensor(), 0.35f, "mask");
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < Lq; ++i)
      for (int64_t d = 0; d < D; ++d) ASSERT_EQ(got.item_at({B - 1, h, i, d}), 0.f);
  // A whole 64-key tile of padding in the middle (tiles that contribute nothing).
  Tensor tile_mask = Tensor::zeros({B, Lk}, DType::kU8);
  for (int64_t j = 64; j < 256; ++j) tile_mask.data<uint8_t>()[j] = 1;
  check_attention(q, k, v, tile_mask, Tensor(), 0.35f, "masked tiles");
  // Full bias, per-head bias broadcast over queries (stride 0), both with the mask.
  check_attention(q, k, v, mask, random_tensor({B, H, Lq, Lk}, 1303, -2.f, 2.f), 0.35f, "full bias + mask");
  check_attention(q, k, v, mask, random_tensor({H, 1, Lk}, 1304, -3.f, 3.f), 0.35f, "head bias + mask");
  check_attention(q, k, v, Tensor(), random_tensor({H, 1, Lk}, 1305, -3.f, 3.f), 0.35f, "head bias");
  // −∞ entries in the bias (a mask expressed as bias), including whole rows → zeros.
  Tensor inf_bias = random_tensor({B, 1, Lq, Lk}, 1306);
  for (int64_t i = 0; i < inf_bias.numel(); ++i)
    if (inf_bias.data<float>()[i] > 0.5f || (i / Lk) % Lq == 3) inf_bias.data<float>()[i] = -kInf;
  got = check_attention(q, k, v, Tensor(), inf_bias, 0.35f, "-inf bias");
  for (int64_t d = 0; d < D; ++d) EXPECT_EQ(got.item_at({0, 1, 3, d}), 0.f);
  // −∞ only in the first key tiles: a row's maximum starts at −∞ and becomes finite later.
  Tensor late = random_tensor({1, 1, Lq, Lk}, 1307);
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < 200; ++j) late.data<float>()[i * Lk + j] = -kInf;
  check_attention(q, k, v, mask, late, 0.35f, "late visible keys");
  // A bias stored transposed ([Lk, Lq] viewed as [Lq, Lk]: key stride ≠ 1).
  const Tensor bt = random_tensor({1, H, Lk, Lq}, 1308);
  const Tensor got_t =
      ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()), Tensor(), bt.to(gpu()).transpose(2, 3), 0.35f);
  expect_vulkan_close(
      got_t, cpu::ref::attention(q, k, v, Tensor(), bt.transpose(2, 3).expand({B, H, Lq, Lk}), 0.35f), 1e-5,
      "transposed bias");
  // A mask that is a strided view (every other column of a [B, 2·Lk] tensor).
  const Tensor wide = make_mask(B, 2 * Lk, 5);
  const Tensor got_m = ops::attention(q.to(gpu()), k.to(gpu()), v.to(gpu()),
                                      wide.to(gpu()).slice(1, 0, 2 * Lk, 2), Tensor(), 0.35f);
  expect_vulkan_close(got_m, cpu::ref::attention(q, k, v, wide.slice(1, 0, 2 * Lk, 2), Tensor(), 0.35f), 1e-5,
                      "strided mask");
}

TEST(VulkanAttention, Edges) {
  SAM3RT_REQUIRE_VULKAN();
  // Single query and/or single key.
  check_attention(random_tensor({1, 2, 1, 8}, 1400), random_tensor({1, 2, 1, 8}, 1401),
                  random_tensor({1, 2, 1, 8}, 1402), Tensor(), Tensor(), 0.3f, "Lq = Lk = 1");
  check_attention(random_tensor({2, 2, 1, 64}, 1403), random_tensor({2, 2, 300, 64}, 1404),
                  random_tensor({2, 2, 300, 64}, 1405), make_mask(2, 300, 4), Tensor(), 0.125f, "Lq = 1");
  check_attention(random_tensor({2, 2, 100, 16}, 1406), random_tensor({2, 2, 1, 16}, 1407),
                  random_tensor({2, 2, 1, 16}, 1408), Tensor(), Tensor(), 0.25f, "Lk = 1");
  // No keys at all: zeros.
  const Tensor none = ops::attention(
      random_tensor({1, 2, 5, 8}, 1409).to(gpu()), Tensor::empty({1, 2, 0, 8}, DType::kF32, gpu()),
      Tensor::empty({1, 2, 0, 6}, DType::kF32, gpu()), Tensor(), Tensor(), 1.f);
  EXPECT_EQ(none.shape(), (Shape{1, 2, 5, 6}));
  EXPECT_EQ(none.to(Device::cpu()).to_vector(), std::vector<float>(60, 0.f));
  // No queries: an empty result.
  const Tensor empty = ops::attention(Tensor::empty({1, 2, 0, 8}, DType::kF32, gpu()),
                                      random_tensor({1, 2, 4, 8}, 1410).to(gpu()),
                                      random_tensor({1, 2, 4, 8}, 1411).to(gpu()), Tensor(), Tensor(), 1.f);
  EXPECT_EQ(empty.shape(), (Shape{1, 2, 0, 8}));
  EXPECT_EQ(empty.device(), gpu());
}

TEST(VulkanRope, MatchesReference) {
  SAM3RT_REQUIRE_VULKAN();
  // Pure f32 products and sums on both sides: equal to rounding (1e-6).
  const Tensor table = ops::axial_rope_table(16, 37, 1, 10000.f, 0.7f);
  const Tensor tg = table.to(gpu());
  const Tensor x = random_tensor({2, 3, 37, 16}, 1500);
  expect_vulkan_close(ops::apply_rope(x.to(gpu()), tg), cpu::ref::apply_rope(x, table), 1e-6, "contiguous");
  const Tensor xp = random_tensor({2, 37, 3, 16}, 1501);
  expect_vulkan_close(ops::apply_rope(xp.to(gpu()).permute({0, 2, 1, 3}), tg),
                      cpu::ref::apply_rope(xp.permute({0, 2, 1, 3}), table), 1e-6, "permuted");
  const Tensor xt = random_tensor({2, 3, 16, 37}, 1502);  // strided last dimension
  expect_vulkan_close(ops::apply_rope(xt.to(gpu()).transpose(2, 3), tg),
                      cpu::ref::apply_rope(xt.transpose(2, 3), table), 1e-6, "strided last dim");
  // ViT-sized table (24×24 window tokens, D = 64) on a packed-qkv head view.
  const Tensor big = ops::axial_rope_table(64, 24, 24, 10000.f, 1.f);
  const Tensor qkv = random_tensor({2, 576, 3, 4, 64}, 1503);
  const auto view = [](const Tensor& t) { return t.select(2, 0).permute({0, 2, 1, 3}); };
  expect_vulkan_close(ops::apply_rope(view(qkv.to(gpu())), big.to(gpu())),
                      cpu::ref::apply_rope(view(qkv), big), 1e-6, "packed qkv");
  // Empty.
  const Tensor e = ops::apply_rope(Tensor::empty({1, 2, 0, 16}, DType::kF32, gpu()),
                                   Tensor::empty({0, 8, 2}, DType::kF32, gpu()));
  EXPECT_EQ(e.shape(), (Shape{1, 2, 0, 16}));
}

}  // namespace
}  // namespace sam3rt::test
