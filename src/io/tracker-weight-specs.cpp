// Every tensor of the SAM 3 tracker (the SAM2 neck branch and `tracker.*`), with its shape derived
// from Sam3Config, under its official state_dict key (the list of the tracker/video spec §16.1).
#include <string>

#include "io/weight-spec-builder.h"

namespace sam3rt {

namespace {

// ref: sam3/sam/mask_decoder.py MLP(input_dim, hidden_dim, output_dim, num_layers): layers.{i}
void mlp(SpecBuilder& b, const std::string& p, int64_t in, int64_t hidden, int64_t out, int layers) {
  for (int i = 0; i < layers; ++i)
    b.linear(p + ".layers." + std::to_string(i), i == 0 ? in : hidden, i == layers - 1 ? out : hidden);
}

// ref: sam3/sam/transformer.py Attention: separate q/k/v projections to dim/downsample channels
void attention(SpecBuilder& b, const std::string& p, int64_t dim, int64_t internal, int64_t kv_in) {
  b.linear(p + ".q_proj", dim, internal);
  b.linear(p + ".k_proj", kv_in, internal);
  b.linear(p + ".v_proj", kv_in, internal);
  b.linear(p + ".out_proj", internal, dim);
}

}  // namespace

std::vector<WeightSpec> tracker_weight_specs(const Sam3Config& c) {
  SpecBuilder b;
  const int64_t C = c.vit_dim, d = c.d_model, mem = c.mem_dim;

  // ref: sam3/model/necks.py Sam3DualViTDetNeck (sam2_convs = a copy of convs with its own weights)
  b.simple_fpn_neck(std::string(kDetectorPrefix) + "backbone.vision_backbone.sam2_convs", C, d);

  const std::string T = kTrackerPrefix;
  // ref: sam3/model/sam3_tracker_base.py Sam3TrackerBase.__init__ (loose tensors)
  b.add(T + "maskmem_tpos_enc", {c.num_maskmem, 1, 1, mem});
  b.add(T + "no_mem_embed", {1, 1, d});
  b.add(T + "no_mem_pos_enc", {1, 1, d});
  b.add(T + "no_obj_ptr", {1, d});
  b.add(T + "no_obj_embed_spatial", {1, mem});
  b.conv(T + "mask_downsample", 1, 1, 4);
  mlp(b, T + "obj_ptr_proj", d, d, d, 3);
  b.linear(T + "obj_ptr_tpos_proj", d, mem);

  // ref: sam3/sam/prompt_encoder.py PromptEncoder
  const std::string P = T + "sam_prompt_encoder.";
  b.add(P + "pe_layer.positional_encoding_gaussian_matrix", {2, d / 2});
  for (int i = 0; i < 4; ++i) b.add(P + "point_embeddings." + std::to_string(i) + ".weight", {1, d});
  b.add(P + "not_a_point_embed.weight", {1, d});
  b.add(P + "no_mask_embed.weight", {1, d});
  const int64_t mc = c.sam_mask_in_chans;
  b.conv(P + "mask_downscaling.0", 1, mc / 4, 2);
  b.layer_norm(P + "mask_downscaling.1", mc / 4);
  b.conv(P + "mask_downscaling.3", mc / 4, mc, 2);
  b.layer_norm(P + "mask_downscaling.4", mc);
  b.conv(P + "mask_downscaling.6", mc, d, 1);

  // ref: sam3/sam/mask_decoder.py MaskDecoder, sam3/sam/transformer.py TwoWayTransformer
  const std::string M = T + "sam_mask_decoder.";
  const int64_t tokens = c.sam_multimask_outputs + 1, inner = d / c.sam_attn_downsample;
  b.add(M + "iou_token.weight", {1, d});
  b.add(M + "mask_tokens.weight", {tokens, d});
  b.add(M + "obj_score_token.weight", {1, d});
  for (int l = 0; l < c.sam_depth; ++l) {
    const std::string p = M + "transformer.layers." + std::to_string(l) + ".";
    attention(b, p + "self_attn", d, d, d);
    attention(b, p + "cross_attn_token_to_image", d, inner, d);
    attention(b, p + "cross_attn_image_to_token", d, inner, d);
    for (const char* n : {"norm1", "norm2", "norm3", "norm4"}) b.layer_norm(p + n, d);
    b.linear(p + "mlp.lin1", d, c.sam_mlp_dim);
    b.linear(p + "mlp.lin2", c.sam_mlp_dim, d);
  }
  attention(b, M + "transformer.final_attn_token_to_image", d, inner, d);
  b.layer_norm(M + "transformer.norm_final_attn", d);
  b.conv_transpose2(M + "output_upscaling.0", d, d / 4);
  b.layer_norm(M + "output_upscaling.1", d / 4);
  b.conv_transpose2(M + "output_upscaling.3", d / 4, d / 8);
  b.conv(M + "conv_s0", d, d / 8, 1);
  b.conv(M + "conv_s1", d, d / 4, 1);
  for (int64_t i = 0; i < tokens; ++i) mlp(b, M + "output_hypernetworks_mlps." + std::to_string(i), d, d, d / 8, 3);
  mlp(b, M + "iou_prediction_head", d, c.sam_iou_hidden, tokens, c.sam_iou_depth);
  mlp(b, M + "pred_obj_score_head", d, d, 1, 3);

  // ref: sam3/model/decoder.py TransformerEncoderCrossAttention of TransformerDecoderLayerv2
  // (memory attention: RoPE self-attention over the frame, cross-attention to mem_dim memories)
  const std::string A = T + "transformer.encoder.";
  for (int l = 0; l < c.mem_attn_layers; ++l) {
    const std::string p = A + "layers." + std::to_string(l) + ".";
    attention(b, p + "self_attn", d, d, d);
    attention(b, p + "cross_attn_image", d, d, mem);
    b.linear(p + "linear1", d, c.mem_attn_ffn);
    b.linear(p + "linear2", c.mem_attn_ffn, d);
    for (const char* n : {"norm1", "norm2", "norm3"}) b.layer_norm(p + n, d);
  }
  b.layer_norm(A + "norm", d);

  // ref: sam3/model/memory.py SimpleMaskEncoder, SimpleMaskDownSampler, CXBlock
  const std::string E = T + "maskmem_backbone.";
  int64_t ch = 1;
  for (int i = 0; i < c.mem_downsampler_layers(); ++i) {
    const std::string p = E + "mask_downsampler.encoder." + std::to_string(3 * i);
    b.conv(p, ch, ch * 4, 3);
    b.layer_norm(E + "mask_downsampler.encoder." + std::to_string(3 * i + 1), ch * 4);
    ch *= 4;
  }
  b.conv(E + "mask_downsampler.encoder." + std::to_string(3 * c.mem_downsampler_layers()), ch, d, 1);
  b.conv(E + "pix_feat_proj", d, d, 1);
  for (int l = 0; l < c.fuser_layers; ++l) {
    const std::string p = E + "fuser.layers." + std::to_string(l) + ".";
    b.depthwise_conv(p + "dwconv", d, c.fuser_kernel);
    b.layer_norm(p + "norm", d);
    b.linear(p + "pwconv1", d, 4 * d);
    b.linear(p + "pwconv2", 4 * d, d);
    b.add(p + "gamma", {d});
  }
  b.conv(E + "out_proj", d, mem, 1);
  return b.specs;
}

std::vector<WeightSpec> full_model_weight_specs(const Sam3Config& config) {
  std::vector<WeightSpec> specs = image_weight_specs(config), tracker = tracker_weight_specs(config);
  specs.insert(specs.end(), tracker.begin(), tracker.end());
  return specs;
}

bool has_tracker_weights(const WeightStore& weights) {
  const auto& all = weights.all();
  auto it = all.lower_bound(kTrackerPrefix);
  return it != all.end() && it->first.compare(0, std::string(kTrackerPrefix).size(), kTrackerPrefix) == 0;
}

}  // namespace sam3rt
