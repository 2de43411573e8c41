// ref: transformers convert_sam3_video_to_hf.py (tracker part), inverted; verified against the
// 331-row official/HF key table (sam3-tracker-key-mapping.tsv).
#include "io/hf-tracker-keys.h"

#include <map>
#include <vector>

namespace sam3rt {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string>& v, size_t from) {
  std::string out;
  for (size_t i = from; i < v.size(); ++i) out += (out.empty() ? "" : ".") + v[i];
  return out;
}

bool is_number(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// SAM-style 3-layer MLPs: HF names them proj_in, layers.0, proj_out; the official ones layers.0..2.
bool mlp_layer(const std::vector<std::string>& s, size_t& i, std::string& out) {
  if (s[i] == "proj_in") {
    out += "layers.0";
    return true;
  }
  if (s[i] == "proj_out") {
    out += "layers.2";
    return true;
  }
  if (s[i] == "layers" && i + 1 < s.size() && is_number(s[i + 1])) {
    out += "layers." + std::to_string(std::stoi(s[i + 1]) + 1);
    ++i;
    return true;
  }
  return false;
}

// Generic renames inside attention / transformer layers.
std::string rename_segments(const std::vector<std::string>& s, size_t from) {
  std::string out;
  for (size_t i = from; i < s.size(); ++i) {
    std::string seg = s[i];
    const std::string prev = i > from ? s[i - 1] : "";
    if (seg == "o_proj") seg = "out_proj";
    else if (seg == "layer_norm_final_attn") seg = "norm_final_attn";
    else if (seg.rfind("layer_norm", 0) == 0 && seg.size() > 10 && is_number(seg.substr(10))) seg = "norm" + seg.substr(10);
    else if (prev == "mlp" && seg == "proj_in") seg = "lin1";
    else if (prev == "mlp" && seg == "proj_out") seg = "lin2";
    else if (seg == "upscale_conv1") seg = "output_upscaling.0";
    else if (seg == "upscale_layer_norm") seg = "output_upscaling.1";
    else if (seg == "upscale_conv2") seg = "output_upscaling.3";
    else if (prev == "iou_prediction_head" || prev == "pred_obj_score_head" ||
             (i >= 2 && s[i - 2] == "output_hypernetworks_mlps")) {
      std::string m;
      if (mlp_layer(s, i, m)) {
        out += (out.empty() ? "" : ".") + m;
        continue;
      }
    }
    out += (out.empty() ? "" : ".") + seg;
  }
  return out;
}

}  // namespace

std::optional<TrackerKeyMapping> hf_tracker_key_to_official(const std::string& key, int downsampler_layers) {
  const std::vector<std::string> s = split(key);
  const std::string T = "tracker.";
  static const std::map<std::string, std::string> loose = {
      {"memory_temporal_positional_encoding", "maskmem_tpos_enc"},
      {"no_memory_embedding", "no_mem_embed"},
      {"no_memory_positional_encoding", "no_mem_pos_enc"},
      {"no_object_pointer", "no_obj_ptr"},
      {"occlusion_spatial_embedding_parameter", "no_obj_embed_spatial"},
  };
  if (s.size() == 1) {
    auto it = loose.find(s[0]);
    if (it == loose.end()) return std::nullopt;
    return TrackerKeyMapping{T + it->second};
  }
  if (s[0] == "shared_image_embedding") return TrackerKeyMapping{""};  // HF copy of the prompt encoder's matrix
  if (s[0] == "prompt_encoder") {
    const std::string P = T + "sam_prompt_encoder.";
    if (s[1] == "shared_embedding") return TrackerKeyMapping{P + "pe_layer.positional_encoding_gaussian_matrix"};
    if (s[1] == "point_embed") return TrackerKeyMapping{P + "point_embeddings.{}." + join(s, 2), 1};
    if (s[1] == "mask_embed" && s.size() > 3) {
      static const std::map<std::string, int> idx = {
          {"conv1", 0}, {"layer_norm1", 1}, {"conv2", 3}, {"layer_norm2", 4}, {"conv3", 6}};
      auto it = idx.find(s[2]);
      if (it == idx.end()) return std::nullopt;
      return TrackerKeyMapping{P + "mask_downscaling." + std::to_string(it->second) + "." + join(s, 3)};
    }
    return TrackerKeyMapping{P + join(s, 1)};
  }
  if (s[0] == "mask_decoder") return TrackerKeyMapping{T + "sam_mask_decoder." + rename_segments(s, 1)};
  if (s[0] == "memory_attention") {
    if (s[1] == "layer_norm") return TrackerKeyMapping{T + "transformer.encoder.norm." + join(s, 2)};
    return TrackerKeyMapping{T + "transformer.encoder." + rename_segments(s, 1)};
  }
  if (s[0] == "memory_encoder") {
    const std::string M = T + "maskmem_backbone.";
    if (s[1] == "feature_projection") return TrackerKeyMapping{M + "pix_feat_proj." + join(s, 2)};
    if (s[1] == "projection") return TrackerKeyMapping{M + "out_proj." + join(s, 2)};
    if (s[1] == "mask_downsampler") {
      // Sequential encoder: (conv, norm, activation) per stage, then the final 1x1 conv.
      if (s[2] == "final_conv")
        return TrackerKeyMapping{M + "mask_downsampler.encoder." + std::to_string(3 * downsampler_layers) + "." +
                                 join(s, 3)};
      if (s[2] == "layers" && s.size() > 5 && is_number(s[3])) {
        int j = std::stoi(s[3]);
        int at = s[4] == "conv" ? 3 * j : s[4] == "layer_norm" ? 3 * j + 1 : -1;
        if (at < 0) return std::nullopt;
        return TrackerKeyMapping{M + "mask_downsampler.encoder." + std::to_string(at) + "." + join(s, 5)};
      }
      return std::nullopt;
    }
    if (s[1] == "memory_fuser" && s[2] == "layers" && s.size() > 4) {
      static const std::map<std::string, std::string> f = {{"depthwise_conv", "dwconv"},
                                                           {"layer_norm", "norm"},
                                                           {"pointwise_conv1", "pwconv1"},
                                                           {"pointwise_conv2", "pwconv2"},
                                                           {"scale", "gamma"}};
      auto it = f.find(s[4]);
      if (it == f.end()) return std::nullopt;
      std::string rest = join(s, 5);
      return TrackerKeyMapping{M + "fuser.layers." + s[3] + "." + it->second + (rest.empty() ? "" : "." + rest)};
    }
    return std::nullopt;
  }
  if (s[0] == "object_pointer_proj") {
    size_t i = 1;
    std::string m;
    if (!mlp_layer(s, i, m)) return std::nullopt;
    return TrackerKeyMapping{T + "obj_ptr_proj." + m + "." + join(s, i + 1)};
  }
  if (s[0] == "temporal_positional_encoding_projection_layer") return TrackerKeyMapping{T + "obj_ptr_tpos_proj." + join(s, 1)};
  if (s[0] == "mask_downsample") return TrackerKeyMapping{T + "mask_downsample." + join(s, 1)};
  return std::nullopt;
}

}  // namespace sam3rt
