// `--precision tf32x3` on the GPU (src/backend/cuda/tf32x3.cu, attention-gemm.cu): products on
// TF32 tensor cores, each operand split into a TF32 part and a TF32 remainder, must be as accurate
// as float32. Held to the float32 bars everywhere: the GEMM ops and attention against the CPU
// reference kernels at the fp32 CUDA tests' 1e-5, the tiny image model, the video tracker and the
// concept-video sessions against their float32 fixtures at kF32Tolerance; and the split must
// matter (plain TF32 on the same products is far worse).
#include <cmath>
#include <string>

#include "backend/cpu/cpu-kernels.h"
#include "backend/cuda/attention-gemm.h"
#include "common/sam3-fixtures.h"
#include "common/video-fixtures.h"
#include "core/numerics.h"
#include "cuda/cuda-test-util.h"
#include "ops/ops.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

Tensor on_gpu(const Tensor& t) { return t.defined() ? t.to(gpu()) : Tensor(); }

TEST(CudaTf32x3, GemmsAreFloat32AccurateAndTheSplitMatters) {
  SAM3RT_REQUIRE_CUDA();
  // A ViT-sized projection (K = 1,536: TF32's 1e-3 operand error would show) and its plain-TF32 twin.
  const Tensor x = random_tensor({2, 257, 1536}, 1), w = random_tensor({700, 1536}, 2),
               b = random_tensor({700}, 3);
  const Tensor want = cpu::ref::linear(x, w, b);
  double tf32x3_err = 0, tf32_err = 0;
  {
    const ScopedNumerics mode(MatmulPrecision::kTf32x3);
    tf32x3_err = expect_cuda_close(ops::linear(on_gpu(x), on_gpu(w), on_gpu(b)), want, 1e-5, "linear tf32x3");
  }
  {
    const ScopedNumerics mode(MatmulPrecision::kTf32);
    tf32_err = rel_error(ops::linear(on_gpu(x), on_gpu(w), on_gpu(b)).to(Device::cpu()), want);
  }
  std::printf("[tf32x3] linear K=1536: relative error %.3g (plain TF32 %.3g)\n", tf32x3_err, tf32_err);
  EXPECT_LT(tf32x3_err * 30, tf32_err) << "the remainder products are missing";

  const ScopedNumerics mode(MatmulPrecision::kTf32x3);
  // Transposed and broadcast operands: the packed copies keep each operand's layout.
  const Tensor a = random_tensor({3, 1, 65, 130}, 4), bt = random_tensor({4, 97, 130}, 5);
  expect_cuda_close(ops::matmul(on_gpu(a), on_gpu(bt).transpose(-1, -2)),
                    cpu::ref::matmul(a, bt.transpose(-1, -2)), 1e-5, "batched matmul, broadcast, Bᵀ view");
  const Tensor at = random_tensor({2, 130, 65}, 6), bb = random_tensor({130, 33}, 7);
  expect_cuda_close(ops::matmul(on_gpu(at).transpose(-1, -2), on_gpu(bb)),
                    cpu::ref::matmul(at.transpose(-1, -2), bb), 1e-5, "Aᵀ view, shared B");
  // A convolution (im2col + GEMM) and odd sizes.
  const Tensor ci = random_tensor({1, 37, 23, 19}, 8), cw = random_tensor({29, 37, 3, 3}, 9),
               cb = random_tensor({29}, 10);
  expect_cuda_close(ops::conv2d(on_gpu(ci), on_gpu(cw), on_gpu(cb), 1, 1, 1, 1),
                    cpu::ref::conv2d(ci, cw, cb, 1, 1, 1, 1, 1), 1e-5, "conv 3x3");
  const Tensor y1 = random_tensor({1, 1}, 11), w1 = random_tensor({5, 1}, 12);
  expect_cuda_close(ops::linear(on_gpu(y1), on_gpu(w1), Tensor()), cpu::ref::linear(y1, w1, Tensor()), 1e-5,
                    "K = 1");
}

TEST(CudaTf32x3, ValuesAtTheEdgesOfTheRange) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics mode(MatmulPrecision::kTf32x3);
  // Large and tiny magnitudes: hi rounds up to the next binade, lo underflows; all finite.
  Tensor x = random_tensor({4, 64}, 20), w = random_tensor({8, 64}, 21);
  float* xp = x.data<float>();
  for (int64_t i = 0; i < x.numel(); i += 3) xp[i] *= 1e30f;
  for (int64_t i = 1; i < x.numel(); i += 3) xp[i] *= 1e-30f;
  xp[5] = 3.4e38f / 64;  // rounds towards the largest float without overflowing the product
  expect_cuda_close(ops::linear(on_gpu(x), on_gpu(w), Tensor()), cpu::ref::linear(x, w, Tensor()), 1e-5,
                    "range");
}

// The bias as the ops layer hands it to the kernels: unsqueezed to 4-D, expanded (stride 0).
Tensor expand_bias(const Tensor& bias, const Shape& full) {
  Tensor v = bias;
  while (v.dim() < 4) v = v.unsqueeze(0);
  return v.expand(full);
}

TEST(CudaTf32x3, AttentionThroughTensorCoreGemms) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics mode(MatmulPrecision::kTf32x3);
  const int64_t B = 2, H = 3, Lq = 300, Lk = 260, D = 64, Dv = 48;
  ASSERT_TRUE(cuda::attention_gemm_pays(B, H, Lq, Lk)) << "the case must take the GEMM path";
  const Tensor q = random_tensor({B, H, Lq, D}, 30), k = random_tensor({B, H, Lk, D}, 31);
  const Tensor v = random_tensor({B, H, Lk, Dv}, 32), bias = random_tensor({H, Lq, Lk}, 33);
  Tensor mask = Tensor::zeros({B, Lk}, DType::kU8);
  for (int64_t j = 0; j < Lk; ++j) mask.data<uint8_t>()[j] = j % 5 == 0;  // batch 0: some keys padded
  for (int64_t j = 0; j < Lk; ++j) mask.data<uint8_t>()[Lk + j] = 1;  // batch 1: every key padded → zeros
  const Shape full{B, H, Lq, Lk};
  const float scale = 1.f / std::sqrt(float(D));
  const Tensor want = cpu::ref::attention(q, k, v, mask, expand_bias(bias, full), scale);
  expect_cuda_close(ops::attention(on_gpu(q), on_gpu(k), on_gpu(v), on_gpu(mask), on_gpu(bias), scale), want,
                    1e-5, "ops::attention, mask + broadcast bias");
  // Score blocks forced small: head blocks of 2 of 3 heads (ragged), then slices of 37 query rows.
  for (const int64_t cap : {2 * Lq * Lk, 37 * Lk}) {
    const Tensor y = Tensor::empty({B, H, Lq, Dv}, DType::kF32, gpu());
    const Tensor bias_full = on_gpu(bias).unsqueeze(0).expand(full);
    cuda::attention_by_gemm(on_gpu(q), on_gpu(k), on_gpu(v), on_gpu(mask), bias_full, scale, y, cap);
    expect_cuda_close(y, want, 1e-5, "score blocks of " + std::to_string(cap) + " floats");
  }
  // Strided head views (q, k, v slices of one packed qkv tensor, as the ViT makes them).
  const Tensor qkv = random_tensor({1, Lq, 3, H, D}, 34);
  const auto part = [](const Tensor& t, int64_t i) { return t.select(2, i).permute({0, 2, 1, 3}); };
  const Tensor qkv_dev = on_gpu(qkv);
  expect_cuda_close(
      ops::attention(part(qkv_dev, 0), part(qkv_dev, 1), part(qkv_dev, 2), Tensor(), Tensor(), scale),
      cpu::ref::attention(part(qkv, 0), part(qkv, 1), part(qkv, 2), Tensor(), Tensor(), scale), 1e-5,
      "strided qkv views");
}

TEST(CudaTf32x3, TinyImageModelAtTheFloat32Bars) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics mode(MatmulPrecision::kTf32x3);
  pipeline::ImageSession& session = tiny_session(gpu());
  for (const std::string& name : case_names()) {
    const FixtureCase c = load_case(name);
    EXPECT_GE(expect_dump_matches_case(c, run_case_with_dump(session, c), "cuda-tf32x3"), 30) << name;
  }
}

TEST(CudaTf32x3, VideoTrackerAtTheFloat32Bars) {
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics mode(MatmulPrecision::kTf32x3);
  for (const std::string& name : video_session_names()) {
    const VideoSessionRun run = run_video_session(name, gpu());
    EXPECT_LE(expect_video_session_matches(run, kF32Tolerance, "cuda-tf32x3-video " + name), kF32Tolerance);
  }
}

}  // namespace
}  // namespace sam3rt::test
