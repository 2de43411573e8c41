// --precision tf32 on the GPU: the official code's own default arithmetic (model_builder enables
// TF32). The shared sam3-tiny fixtures are that arithmetic's outputs (parity/reference-precision.h),
// so the tiny model in TF32 mode is held to them at the TF32 noise bound, and TF32 mode must differ
// from exact fp32 (the tensor cores are really used).
#include "common/sam3-fixtures.h"
#include "core/numerics.h"
#include "cuda/cuda-test-util.h"
#include "parity/reference-precision.h"

namespace sam3rt::test {
namespace {

TEST(CudaTf32, TinyModelMatchesTheOfficialTf32Run) {
  SAM3RT_SKIP_WITHOUT_SHARED_TF32();
  SAM3RT_REQUIRE_CUDA();
  const ScopedNumerics tf32(MatmulPrecision::kTf32);
  pipeline::ImageSession& session = tiny_session(gpu());
  double worst_vs_tf32 = 0, worst_vs_fp32 = 0;
  for (const std::string& name : case_names()) {
    const FixtureCase shared = load_case(name, Reference::kSharedTf32);
    const FixtureCase fp32 = load_case(name, Reference::kFp32);
    const TensorDump& dump = run_case_with_dump(session, shared);
    for (const char* t : {"backbone.fpn.0", "text.language_features", "encoder.layers.1", "decoder.layers.1.0",
                          "raw.pred_logits", "raw.pred_boxes", "raw.pred_masks", "raw.presence_logit_dec"}) {
      const Tensor ours = dump.at(t).to(Device::cpu());
      worst_vs_tf32 = std::max(worst_vs_tf32, expect_close(name + ":" + t, ours, shared.get(t), kTf32ReferenceTolerance));
      worst_vs_fp32 = std::max(worst_vs_fp32, rel_error(ours, fp32.get(t)));
    }
  }
  std::printf("[tf32] worst relative error vs the official TF32 run %.3g, vs the float32 reference %.3g\n",
              worst_vs_tf32, worst_vs_fp32);
  EXPECT_GT(worst_vs_fp32, 1e-5) << "TF32 mode computed exact fp32: tensor cores not used";
}

}  // namespace
}  // namespace sam3rt::test
