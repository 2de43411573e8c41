#include "model/segmentation-head.h"

#include <string>

#include "ops/ops.h"

namespace sam3rt {

namespace {
// ref: PixelDecoder builds nn.GroupNorm(8, hidden_dim): a constant of the reference.
constexpr int kPixelDecoderGroups = 8;
// GroupNorm's default eps (the reference does not override it).
constexpr float kGroupNormEps = 1e-5f;
// The neck keeps three levels (Sam3DualViTDetNeck with scalp=1), so two pixel-decoder stages
// run; the checkpoint's third conv/norm (upsampling_stages=3) is never used.
constexpr int kPixelDecoderStages = 2;
}  // namespace

SegmentationHead::SegmentationHead(const Sam3Config& c, const WeightStore& w) : config_(c) {
  const std::string p = std::string(kDetectorPrefix) + "segmentation_head.";
  const int64_t d = c.d_model;
  cross_attend_prompt_ = MultiheadAttention(w, p + "cross_attend_prompt.", c.d_model, c.d_heads);
  cross_attn_norm_ = LayerNorm(w, p + "cross_attn_norm.", d, c.layer_norm_eps);
  for (int i = 0; i < kPixelDecoderStages; ++i) {
    const std::string s = std::to_string(i) + ".";
    conv_w_.push_back(w.get(p + "pixel_decoder.conv_layers." + s + "weight", {d, d, 3, 3}));
    conv_b_.push_back(w.get(p + "pixel_decoder.conv_layers." + s + "bias", {d}));
    norm_w_.push_back(w.get(p + "pixel_decoder.norms." + s + "weight", {d}));
    norm_b_.push_back(w.get(p + "pixel_decoder.norms." + s + "bias", {d}));
  }
  instance_w_ = w.get(p + "instance_seg_head.weight", {d, d, 1, 1});
  instance_b_ = w.get(p + "instance_seg_head.bias", {d});
  semantic_w_ = w.get(p + "semantic_seg_head.weight", {1, d, 1, 1});
  semantic_b_ = w.get(p + "semantic_seg_head.bias", {1});
  mask_embed_ = Mlp(w, p + "mask_predictor.mask_embed.", d, d, d, 3);
}

// ref: UniversalSegmentationHead.forward, SegmentationHead._embed_pixels, PixelDecoder.forward,
// MaskPredictor.forward
SegmentationOutput SegmentationHead::forward(const std::vector<Tensor>& fpn, const Tensor& memory, const Tensor& hs,
                                             const Tensor& prompt, const Tensor& prompt_mask) const {
  const int64_t d = config_.d_model;
  SAM3RT_ASSERT(fpn.size() == conv_w_.size() + 1, "segmentation head expects ", conv_w_.size() + 1,
                " FPN levels, got ", fpn.size());
  // E ← E + MHA(LN(E), prompt, prompt): [1, HW, d]
  const Tensor normed = cross_attn_norm_(memory);
  const Tensor enc = ops::add(memory, cross_attend_prompt_.forward(normed, prompt, prompt, prompt_mask));
  // Back to NCHW at the coarsest level: [1, d, h, w]
  const Tensor& coarse = fpn.back();
  Tensor y = enc.reshape({enc.size(1), d}).transpose(0, 1).reshape({1, d, coarse.size(2), coarse.size(3)});

  // Pixel decoder, coarse → fine: y = ReLU(GN(conv3×3(F_i + nearest_up(y))))
  for (size_t stage = 0; stage + 1 < fpn.size(); ++stage) {
    const Tensor& f = fpn[fpn.size() - 2 - stage];
    y = ops::add(f, ops::interpolate_nearest(y, f.size(2), f.size(3)));
    y = ops::conv2d(y, conv_w_[stage], conv_b_[stage], 1, 1, 1, 1);
    y = ops::relu(ops::group_norm(y, kPixelDecoderGroups, norm_w_[stage], norm_b_[stage], kGroupNormEps));
  }
  // y: [1, d, H0, W0]
  const int64_t h0 = y.size(2), w0 = y.size(3);
  SegmentationOutput out;
  out.semantic_seg = ops::conv2d(y, semantic_w_, semantic_b_, 1, 1, 0, 0);       // [1, 1, H0, W0]
  const Tensor inst = ops::conv2d(y, instance_w_, instance_b_, 1, 1, 0, 0);       // [1, d, H0, W0]
  const Tensor m = mask_embed_(hs);                                               // [1, Q, d]
  out.pred_masks = ops::matmul(m, inst.reshape({1, d, h0 * w0})).reshape({1, hs.size(1), h0, w0});
  return out;
}

}  // namespace sam3rt
