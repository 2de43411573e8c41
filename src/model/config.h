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

  // derived
  int grid_size() const { return image_size / patch_size; }              // 72
  int pretrain_grid() const { return pretrain_image_size / patch_size; }  // 24
  int vit_mlp_hidden() const { return static_cast<int>(vit_dim * vit_mlp_ratio); }  // 4736
  int text_mlp_hidden() const { return static_cast<int>(text_width * text_mlp_ratio); }
  bool is_global_block(int i) const;

  static Sam3Config released();
  // Accepts the fixtures' config format (missing fields keep the released values); throws
  // kFormat naming the field on a wrong type or an impossible value.
  static Sam3Config from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  void validate() const;  // divisibility, positivity and the caps above; kFormat on failure
};

}  // namespace sam3rt
