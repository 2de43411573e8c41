// SAM 3 hyperparameters. Every size the model code uses comes from here, and this comes from the
// model file (or, for a bare sam3.pt, from Sam3Config::released()). Field names follow the
// fixtures' sam3-tiny.config.json.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace sam3rt {

// validate() refuses sizes over these (far above any SAM 3 variant), so that a configuration read
// from a file cannot make the model allocate without bound.
inline constexpr int kMaxConfigImageSize = 8192;
inline constexpr int kMaxConfigWidth = 65536;   // widths, heads, queries, roi_size, text context
inline constexpr int kMaxConfigLayers = 1024;   // depths and layer counts
inline constexpr int kMaxConfigVocab = 1 << 22;  // vocab_size, bpe_merges

struct Sam3Config {
  // vision trunk (ViT)
  int image_size = 1008;
  int patch_size = 14;
  int pretrain_image_size = 336;  // pos_embed grid = pretrain_image_size / patch_size
  int vit_dim = 1024;
  int vit_depth = 32;
  int vit_heads = 16;
  double vit_mlp_ratio = 4.625;
  int vit_window = 24;
  std::vector<int> vit_global = {7, 15, 23, 31};
  float rope_theta = 10000.f;
  // text encoder
  int text_width = 1024;
  int text_heads = 16;
  int text_layers = 24;
  int text_context = 32;
  double text_mlp_ratio = 4.0;
  int vocab_size = 49408;
  int bpe_merges = 48894;
  // detector
  int d_model = 256;
  int d_heads = 8;
  int d_ffn = 2048;
  int encoder_layers = 6;
  int decoder_layers = 6;
  int geometry_layers = 3;
  int num_queries = 200;
  int roi_size = 7;
  int scoring_hidden = 2048;
  float layer_norm_eps = 1e-5f;
  // tracker: SAM prompt encoder and mask decoder (ref: sam3/model/sam3_tracker_base.py
  // _build_sam_heads); their width is d_model, as the SAM2 neck's output
  int sam_heads = 8;              // TwoWayTransformer num_heads
  int sam_mlp_dim = 2048;         // TwoWayTransformer mlp_dim
  int sam_depth = 2;              // TwoWayTransformer depth
  int sam_attn_downsample = 2;    // attention_downsample_rate of the cross-attentions
  int sam_iou_hidden = 256;       // MaskDecoder iou_head_hidden_dim
  int sam_iou_depth = 3;          // MaskDecoder iou_head_depth
  int sam_multimask_outputs = 3;  // MaskDecoder num_multimask_outputs
  int sam_mask_in_chans = 16;     // PromptEncoder mask_in_chans
  // tracker: memory (ref: sam3/model_builder.py _create_tracker_maskmem_backbone,
  // _create_tracker_transformer, build_tracker)
  int mem_dim = 64;           // SimpleMaskEncoder out_dim
  int num_maskmem = 7;
  int mem_attn_layers = 4;
  int mem_attn_ffn = 2048;
  int fuser_layers = 2;
  int fuser_kernel = 7;
  int max_obj_ptrs = 16;      // max_obj_ptrs_in_encoder
  int max_cond_frames = 4;    // max_cond_frames_in_attn
  // interactive image predictor (ref: sam3/model/sam1_task_predictor.py SAM3InteractiveImagePredictor)
  float inst_max_hole_area = 256.f;  // background components up to this area (low-res pixels) are filled

  // derived
  int grid_size() const { return image_size / patch_size; }              // 72
  int pretrain_grid() const { return pretrain_image_size / patch_size; }  // 24
  int vit_mlp_hidden() const { return static_cast<int>(vit_dim * vit_mlp_ratio); }  // 4736
  int text_mlp_hidden() const { return static_cast<int>(text_width * text_mlp_ratio); }
  int low_res_mask_size() const { return 4 * grid_size(); }  // 288: SAM decoder masks, mask prompts
  // The downsampler of the memory encoder: conv 3×3 stride 2 stages from 16·g down to g.
  int mem_downsampler_layers() const { return 4; }
  bool is_global_block(int i) const;

  static Sam3Config released();
  // Calls f(name, member) for every field, in the file's order: the one list of fields that
  // from_json and to_json walk.
  template <class Self, class F>
  static void for_each_field(Self& c, F&& f);
  // Accepts the fixtures' config format (missing fields keep the released values); throws
  // kFormat naming the field on a wrong type or an impossible value.
  static Sam3Config from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  void validate() const;  // divisibility, positivity and the caps above; kFormat on failure
};

template <class Self, class F>
void Sam3Config::for_each_field(Self& c, F&& f) {
  f("image_size", c.image_size);
  f("patch_size", c.patch_size);
  f("pretrain_image_size", c.pretrain_image_size);
  f("vit_dim", c.vit_dim);
  f("vit_depth", c.vit_depth);
  f("vit_heads", c.vit_heads);
  f("vit_mlp_ratio", c.vit_mlp_ratio);
  f("vit_window", c.vit_window);
  f("vit_global", c.vit_global);
  f("rope_theta", c.rope_theta);
  f("text_width", c.text_width);
  f("text_heads", c.text_heads);
  f("text_layers", c.text_layers);
  f("text_context", c.text_context);
  f("text_mlp_ratio", c.text_mlp_ratio);
  f("vocab_size", c.vocab_size);
  f("bpe_merges", c.bpe_merges);
  f("d_model", c.d_model);
  f("d_heads", c.d_heads);
  f("d_ffn", c.d_ffn);
  f("encoder_layers", c.encoder_layers);
  f("decoder_layers", c.decoder_layers);
  f("geometry_layers", c.geometry_layers);
  f("num_queries", c.num_queries);
  f("roi_size", c.roi_size);
  f("scoring_hidden", c.scoring_hidden);
  f("layer_norm_eps", c.layer_norm_eps);
  f("sam_heads", c.sam_heads);
  f("sam_mlp_dim", c.sam_mlp_dim);
  f("sam_depth", c.sam_depth);
  f("sam_attn_downsample", c.sam_attn_downsample);
  f("sam_iou_hidden", c.sam_iou_hidden);
  f("sam_iou_depth", c.sam_iou_depth);
  f("sam_multimask_outputs", c.sam_multimask_outputs);
  f("sam_mask_in_chans", c.sam_mask_in_chans);
  f("mem_dim", c.mem_dim);
  f("num_maskmem", c.num_maskmem);
  f("mem_attn_layers", c.mem_attn_layers);
  f("mem_attn_ffn", c.mem_attn_ffn);
  f("fuser_layers", c.fuser_layers);
  f("fuser_kernel", c.fuser_kernel);
  f("max_obj_ptrs", c.max_obj_ptrs);
  f("max_cond_frames", c.max_cond_frames);
  f("inst_max_hole_area", c.inst_max_hole_area);
}

}  // namespace sam3rt
