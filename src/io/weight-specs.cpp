#include "io/weight-specs.h"

#include <cmath>
#include <set>

#include "core/log.h"
#include "io/weight-spec-builder.h"

namespace sam3rt {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

std::vector<WeightSpec> image_weight_specs(const Sam3Config& c) {
  SpecBuilder b;
  const std::string D = kDetectorPrefix;
  const int64_t C = c.vit_dim, hd = c.vit_dim / c.vit_heads, d = c.d_model, ffn = c.d_ffn;

  // ref: sam3/model/vitdet.py ViT.__init__ (spec §4)
  const std::string V = D + "backbone.vision_backbone.trunk.";
  b.add(V + "patch_embed.proj.weight", {C, 3, c.patch_size, c.patch_size}, 3 * c.patch_size * c.patch_size);
  const int64_t pg = c.pretrain_grid();
  b.add(V + "pos_embed", {1, pg * pg + 1, C});
  b.layer_norm(V + "ln_pre", C);
  for (int i = 0; i < c.vit_depth; ++i) {
    const std::string p = V + "blocks." + std::to_string(i) + ".";
    b.layer_norm(p + "norm1", C);
    b.linear(p + "attn.qkv", C, 3 * C);
    b.linear(p + "attn.proj", C, C);
    b.layer_norm(p + "norm2", C);
    b.linear(p + "mlp.fc1", C, c.vit_mlp_hidden());
    b.linear(p + "mlp.fc2", c.vit_mlp_hidden(), C);
    const int64_t side = c.is_global_block(i) ? c.grid_size() : c.vit_window;
    b.add(p + "attn.freqs_cis", {side * side, hd / 2, 2}, 0, false, WeightRole::kRope);
  }

  // ref: sam3/model/necks.py Sam3DualViTDetNeck (spec §5.1): scales 4, 2, 1, 0.5
  b.simple_fpn_neck(D + "backbone.vision_backbone.convs", C, d);

  // ref: sam3/model/text_encoder_ve.py VETextEncoder / TextTransformer (spec §6)
  const std::string T = D + "backbone.language_backbone.";
  const int64_t W = c.text_width, M = c.text_mlp_hidden();
  b.add(T + "encoder.token_embedding.weight", {c.vocab_size, W});
  b.add(T + "encoder.positional_embedding", {c.text_context, W});
  for (int i = 0; i < c.text_layers; ++i) {
    const std::string p = T + "encoder.transformer.resblocks." + std::to_string(i) + ".";
    b.layer_norm(p + "ln_1", W);
    b.mha(p + "attn", W);
    b.layer_norm(p + "ln_2", W);
    b.linear(p + "mlp.c_fc", W, M);
    b.linear(p + "mlp.c_proj", M, W);
  }
  b.layer_norm(T + "encoder.ln_final", W);
  // Computed by the reference but unused by SAM 3; its output width is not a hyperparameter we keep.
  b.add(T + "encoder.text_projection", {W, -1}, W);
  b.linear(T + "resizer", W, d);

  // ref: sam3/model/geometry_encoders.py SequenceGeometryEncoder (spec §7)
  const std::string G = D + "geometry_encoder.";
  b.add(G + "label_embed.weight", {2, d});
  b.add(G + "cls_embed.weight", {1, d});
  // Point prompts are not reachable from the image processor and have no Hugging Face counterpart.
  b.linear(G + "points_direct_project", 2, d, false);
  b.linear(G + "points_pool_project", d, d, false);
  b.linear(G + "points_pos_enc_project", d, d, false);
  b.linear(G + "boxes_direct_project", 4, d);
  b.conv(G + "boxes_pool_project", d, d, c.roi_size);
  b.linear(G + "boxes_pos_enc_project", d + 2, d);
  b.linear(G + "final_proj", d, d);
  b.layer_norm(G + "norm", d);
  b.layer_norm(G + "img_pre_norm", d);
  for (int i = 0; i < c.geometry_layers; ++i) {
    const std::string p = G + "encode." + std::to_string(i) + ".";
    b.mha(p + "self_attn", d);
    b.mha(p + "cross_attn_image", d);
    b.linear(p + "linear1", d, ffn);
    b.linear(p + "linear2", ffn, d);
    for (const char* n : {"norm1", "norm2", "norm3"}) b.layer_norm(p + n, d);
  }
  b.layer_norm(G + "encode_norm", d);

  // ref: sam3/model/encoder.py TransformerEncoderFusion (spec §8)
  for (int i = 0; i < c.encoder_layers; ++i) {
    const std::string p = D + "transformer.encoder.layers." + std::to_string(i) + ".";
    b.mha(p + "self_attn", d);
    b.mha(p + "cross_attn_image", d);
    b.linear(p + "linear1", d, ffn);
    b.linear(p + "linear2", ffn, d);
    for (const char* n : {"norm1", "norm2", "norm3"}) b.layer_norm(p + n, d);
  }

  // ref: sam3/model/decoder.py TransformerDecoder (spec §9)
  const std::string De = D + "transformer.decoder.";
  for (int i = 0; i < c.decoder_layers; ++i) {
    const std::string p = De + "layers." + std::to_string(i) + ".";
    b.mha(p + "self_attn", d);
    b.mha(p + "ca_text", d);
    b.mha(p + "cross_attn", d);
    b.linear(p + "linear1", d, ffn);
    b.linear(p + "linear2", ffn, d);
    for (const char* n : {"norm1", "norm2", "norm3", "catext_norm"}) b.layer_norm(p + n, d);
  }
  b.layer_norm(De + "norm", d);
  b.linear(De + "bbox_embed.layers.0", d, d);
  b.linear(De + "bbox_embed.layers.1", d, d);
  b.linear(De + "bbox_embed.layers.2", d, 4);
  b.add(De + "query_embed.weight", {c.num_queries, d});
  b.add(De + "reference_points.weight", {c.num_queries, 4});
  for (const char* axis : {"x", "y"}) {
    b.linear(De + "boxRPB_embed_" + axis + ".layers.0", 2, d);
    b.linear(De + "boxRPB_embed_" + axis + ".layers.1", d, c.d_heads);
  }
  b.add(De + "presence_token.weight", {1, d});
  b.linear(De + "presence_token_head.layers.0", d, d);
  b.linear(De + "presence_token_head.layers.1", d, d);
  b.linear(De + "presence_token_head.layers.2", d, 1);
  b.layer_norm(De + "presence_token_out_norm", d);
  b.linear(De + "ref_point_head.layers.0", 2 * d, d);
  b.linear(De + "ref_point_head.layers.1", d, d);

  // ref: sam3/model/model_misc.py DotProductScoring (spec §10.1)
  const std::string S = D + "dot_prod_scoring.";
  b.linear(S + "prompt_mlp.layers.0", d, c.scoring_hidden);
  b.linear(S + "prompt_mlp.layers.1", c.scoring_hidden, d);
  b.layer_norm(S + "prompt_mlp.out_norm", d);
  b.linear(S + "prompt_proj", d, d);
  b.linear(S + "hs_proj", d, d);

  // ref: sam3/model/maskformer_segmentation.py UniversalSegmentationHead (spec §11)
  const std::string H = D + "segmentation_head.";
  for (int i = 0; i < 3; ++i) {
    b.conv(H + "pixel_decoder.conv_layers." + std::to_string(i), d, d, 3);
    b.layer_norm(H + "pixel_decoder.norms." + std::to_string(i), d);  // GroupNorm affine: [d] each
  }
  for (int i = 0; i < 3; ++i) b.linear(H + "mask_predictor.mask_embed.layers." + std::to_string(i), d, d);
  b.mha(H + "cross_attend_prompt", d);
  b.layer_norm(H + "cross_attn_norm", d);
  b.conv(H + "semantic_seg_head", d, 1, 1);
  b.conv(H + "instance_seg_head", d, d, 1);
  return b.specs;
}

std::string weight_component(const std::string& n) {
  const std::string D = kDetectorPrefix;
  if (starts_with(n, "tracker.") || starts_with(n, D + "backbone.vision_backbone.sam2_convs.")) return "tracker";
  if (starts_with(n, D + "backbone.vision_backbone.trunk.")) return "vision trunk";
  if (starts_with(n, D + "backbone.vision_backbone.convs.")) return "neck";
  if (starts_with(n, D + "backbone.language_backbone.")) return "text encoder";
  if (starts_with(n, D + "geometry_encoder.")) return "geometry encoder";
  if (starts_with(n, D + "transformer.encoder.")) return "fusion encoder";
  if (starts_with(n, D + "transformer.decoder.")) return "decoder";
  if (starts_with(n, D + "dot_prod_scoring.")) return "scoring";
  if (starts_with(n, D + "segmentation_head.")) return "segmentation head";
  return "other";
}

namespace {
bool shape_matches(const Shape& expected, const Shape& found) {
  if (expected.size() != found.size()) return false;
  for (int i = 0; i < expected.size(); ++i)
    if (expected[i] >= 0 && expected[i] != found[i]) return false;
  return true;
}
std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.size(); ++i) out += (i ? ", " : "") + (s[i] < 0 ? std::string("*") : std::to_string(s[i]));
  return out + "]";
}
}  // namespace

void validate_weights(const Sam3Config& config, const WeightStore& weights) {
  std::vector<WeightSpec> specs =
      has_tracker_weights(weights) ? full_model_weight_specs(config) : image_weight_specs(config);
  std::set<std::string> known;
  std::vector<std::string> missing;
  for (const WeightSpec& s : specs) {
    known.insert(s.name);
    if (!weights.has(s.name)) {
      if (s.required) missing.push_back(s.name);
      continue;
    }
    const Tensor& t = weights.get(s.name);
    SAM3RT_CHECK(shape_matches(s.shape, t.shape()), kFormat, "tensor '", s.name, "' has shape ", t.shape().str(),
                 " but the model configuration needs ", shape_str(s.shape),
                 "; the weights do not match the configuration (wrong --config?)");
    SAM3RT_CHECK(dtype_is_float(t.dtype()), kFormat, "tensor '", s.name, "' has dtype ", dtype_name(t.dtype()),
                 ", expected a floating-point type");
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 3; ++i) list += (i ? "', '" : "'") + missing[i];
    fail(ErrorCode::kFormat, "the weights lack ", missing.size(), " tensor", missing.size() > 1 ? "s" : "",
         " the model needs: ", list, "'", missing.size() > 3 ? ", ..." : "",
         "; the file is incomplete or is not a SAM 3 checkpoint");
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : weights.all())
    if (!known.count(name) && weight_component(name) != "tracker") unexpected.push_back(name);
  if (!unexpected.empty()) {
    std::string list;
    for (size_t i = 0; i < unexpected.size() && i < 5; ++i) list += (i ? "', '" : "'") + unexpected[i];
    log_warning(unexpected.size(), " unexpected tensor", unexpected.size() > 1 ? "s" : "",
                " in the weights (kept, unused): ", list, "'", unexpected.size() > 5 ? ", ..." : "");
  }
}

Tensor compute_freqs_cis(const Sam3Config& c, int block) {
  // ref: sam3/model/vitdet.py compute_axial_cis (spec §4.5)
  const bool global = c.is_global_block(block);
  const int64_t side = global ? c.grid_size() : c.vit_window;
  const float scale = global ? static_cast<float>(c.vit_window) / static_cast<float>(c.grid_size()) : 1.f;
  const int64_t hd = c.vit_dim / c.vit_heads, quarter = hd / 4;
  Tensor t = Tensor::empty({side * side, hd / 2, 2});
  float* p = t.data<float>();
  std::vector<float> freqs(quarter);
  for (int64_t j = 0; j < quarter; ++j)
    freqs[j] = 1.f / std::pow(c.rope_theta, static_cast<float>(4 * j) / static_cast<float>(hd));
  for (int64_t tok = 0; tok < side * side; ++tok) {
    const float x = static_cast<float>(tok % side) * scale, y = static_cast<float>(tok / side) * scale;
    for (int64_t j = 0; j < hd / 2; ++j) {
      const float angle = j < quarter ? x * freqs[j] : y * freqs[j - quarter];
      p[(tok * (hd / 2) + j) * 2 + 0] = std::cos(angle);
      p[(tok * (hd / 2) + j) * 2 + 1] = std::sin(angle);
    }
  }
  return t;
}

bool linear_runs_in_f32(const std::string& name) {
  // detector.transformer.decoder.layers.<i>.linear{1,2}.weight (the decoder's table above)
  const std::string prefix = std::string(kDetectorPrefix) + "transformer.decoder.layers.";
  if (!starts_with(name, prefix)) return false;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return false;
  const std::string rest = name.substr(dot + 1);
  return rest == "linear1.weight" || rest == "linear2.weight";
}

}  // namespace sam3rt
