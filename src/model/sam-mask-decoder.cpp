#include "model/sam-mask-decoder.h"

#include "model/sam-prompt-encoder.h"  // layer_norm_2d
#include "ops/ops.h"

namespace sam3rt {

SamMaskDecoder::SamMaskDecoder(const Sam3Config& c, const WeightStore& w, const std::string& p)
    : multimask_outputs_(c.sam_multimask_outputs), transformer_(c, w, p + "transformer.") {
  const int64_t d = c.d_model, n_mask = c.sam_multimask_outputs + 1;
  output_tokens_ = ops::concat({w.get(p + "obj_score_token.weight", {1, d}), w.get(p + "iou_token.weight", {1, d}),
                                w.get(p + "mask_tokens.weight", {n_mask, d})},
                               0);
  up0_w_ = w.get(p + "output_upscaling.0.weight", {d, d / 4, 2, 2});
  up0_b_ = w.get(p + "output_upscaling.0.bias", {d / 4});
  up_norm_ = LayerNorm(w, p + "output_upscaling.1.", d / 4, 1e-6f);
  up1_w_ = w.get(p + "output_upscaling.3.weight", {d / 4, d / 8, 2, 2});
  up1_b_ = w.get(p + "output_upscaling.3.bias", {d / 8});
  s0_w_ = w.get(p + "conv_s0.weight", {d / 8, d, 1, 1});
  s0_b_ = w.get(p + "conv_s0.bias", {d / 8});
  s1_w_ = w.get(p + "conv_s1.weight", {d / 4, d, 1, 1});
  s1_b_ = w.get(p + "conv_s1.bias", {d / 4});
  for (int64_t i = 0; i < n_mask; ++i)
    hypernetworks_.emplace_back(w, p + "output_hypernetworks_mlps." + std::to_string(i) + ".", d, d, d / 8, 3);
  iou_head_ = Mlp(w, p + "iou_prediction_head.", d, c.sam_iou_hidden, n_mask, c.sam_iou_depth);
  obj_score_head_ = Mlp(w, p + "pred_obj_score_head.", d, d, 1, 3);
}

Tensor SamMaskDecoder::conv_s0(const Tensor& level0) const { return ops::conv2d(level0, s0_w_, s0_b_, 1, 1, 0, 0); }
Tensor SamMaskDecoder::conv_s1(const Tensor& level1) const { return ops::conv2d(level1, s1_w_, s1_b_, 1, 1, 0, 0); }

// ref: sam3/sam/mask_decoder.py MaskDecoder.forward, predict_masks, _dynamic_multimask_via_stability
SamDecoderOutput SamMaskDecoder::forward(const Tensor& image_embed, const Tensor& image_pe, const Tensor& sparse,
                                         const Tensor& dense, const Tensor& feat_s0, const Tensor& feat_s1,
                                         bool multimask, TensorDump* dump) const {
  const int64_t B = sparse.size(0), d = sparse.size(2), n_mask = multimask_outputs_ + 1;
  // tokens: [B, 2+M+T, d] = output tokens then the prompt's sparse tokens
  const Tensor tokens =
      ops::concat({output_tokens_.unsqueeze(0).expand({B, output_tokens_.size(0), d}), sparse}, 1);
  SAM3RT_ASSERT(image_embed.size(0) == B, "one image embedding per prompt set");
  const Tensor src = ops::add(image_embed, dense);           // [B, d, g, g]
  const Tensor pos = image_pe.expand({B, d, image_pe.size(2), image_pe.size(3)});
  auto [hs, keys] = transformer_.forward(src, pos, tokens, dump);  // [B, 2+M+T, d], [B, g·g, d]

  // Upscale: [B, d, g, g] → ConvT → +feat_s1 → LN2d → GELU → ConvT → +feat_s0 → GELU: [B, d/8, 4g, 4g]
  const int64_t g = src.size(2);
  const Tensor s = keys.transpose(1, 2).reshape({B, d, g, g});
  Tensor up = ops::add(ops::conv_transpose2d(s, up0_w_, up0_b_, 2, 2), feat_s1);
  up = ops::gelu(layer_norm_2d(up, up_norm_));
  up = ops::gelu(ops::add(ops::conv_transpose2d(up, up1_w_, up1_b_, 2, 2), feat_s0));

  // Hypernetworks: one [B, d/8] vector per mask token; masks = hyper_in @ up
  std::vector<Tensor> hyper;
  for (int64_t i = 0; i < n_mask; ++i) hyper.push_back(hypernetworks_[i](hs.select(1, 2 + i)).unsqueeze(1));
  const Tensor hyper_in = ops::concat(hyper, 1);  // [B, 1+M, d/8]
  const int64_t c8 = up.size(1), H = up.size(2), W = up.size(3);
  SamDecoderOutput out;
  out.all_masks = ops::matmul(hyper_in, up.reshape({B, c8, H * W})).reshape({B, n_mask, H, W});
  out.all_iou = ops::sigmoid(iou_head_(hs.select(1, 1)));  // [B, 1+M]
  out.object_score_logits = obj_score_head_(hs.select(1, 0));  // [B, 1]
  const Tensor mask_tokens = hs.slice(1, 2, 2 + n_mask);   // [B, 1+M, d]

  if (multimask) {
    out.masks = out.all_masks.slice(1, 1, n_mask);
    out.iou = out.all_iou.slice(1, 1, n_mask);
    out.tokens = mask_tokens.slice(1, 1, n_mask);  // use_multimask_token_for_obj_ptr
  } else {
    // Dynamic multimask via stability (eval): keep mask 0 when its logits are stable under ±delta,
    // else the multimask output with the highest IoU. Decided on the host: B small masks.
    const Tensor host_masks = out.all_masks.to(Device::cpu()).contiguous();
    const Tensor host_iou = out.all_iou.to(Device::cpu()).contiguous();
    std::vector<Tensor> masks, ious;
    for (int64_t b = 0; b < B; ++b) {
      const float* m0 = host_masks.data<float>() + b * n_mask * H * W;
      int64_t area_i = 0, area_u = 0;
      for (int64_t k = 0; k < H * W; ++k) {
        area_i += m0[k] > kStabilityDelta;
        area_u += m0[k] > -kStabilityDelta;
      }
      const float stability = area_u > 0 ? static_cast<float>(area_i) / static_cast<float>(area_u) : 1.f;
      int64_t pick = 0;
      if (!(stability >= kStabilityThresh)) {
        const float* iou = host_iou.data<float>() + b * n_mask;
        pick = 1;  // torch.argmax: the first of equal maxima
        for (int64_t i = 2; i < n_mask; ++i)
          if (iou[i] > iou[pick]) pick = i;
      }
      masks.push_back(out.all_masks.select(0, b).slice(0, pick, pick + 1).unsqueeze(0));
      ious.push_back(out.all_iou.select(0, b).slice(0, pick, pick + 1).unsqueeze(0));
    }
    out.masks = B == 1 ? masks[0] : ops::concat(masks, 0);
    out.iou = B == 1 ? ious[0] : ops::concat(ious, 0);
    out.tokens = mask_tokens.slice(1, 0, 1);  // always token 0, even when a multimask mask was picked
  }
  if (dump) {
    (*dump)["mask_decoder.all_masks"] = out.all_masks;
    (*dump)["mask_decoder.all_iou"] = out.all_iou;
    (*dump)["mask_decoder.masks"] = out.masks;
    (*dump)["mask_decoder.iou"] = out.iou;
    (*dump)["mask_decoder.object_score_logits"] = out.object_score_logits;
  }
  return out;
}

}  // namespace sam3rt
