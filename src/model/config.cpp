#include "model/config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json-number.h"
#include "core/safe-text.h"

namespace sam3rt {

bool Sam3Config::is_global_block(int i) const {
  return std::find(vit_global.begin(), vit_global.end(), i) != vit_global.end();
}

Sam3Config Sam3Config::released() { return Sam3Config(); }

namespace {
template <class T>
void read_field(const nlohmann::json& j, const char* name, T& out) {
  if (!j.contains(name)) return;
  SAM3RT_CHECK(json_number(j.at(name), &out), kFormat, "model configuration: field '", name,
               "' has the wrong type or is out of range (", safe_text(json_brief(j.at(name))), ")");
}
}  // namespace

Sam3Config Sam3Config::from_json(const nlohmann::json& j) {
  SAM3RT_CHECK(j.is_object(), kFormat, "model configuration is not a JSON object");
  Sam3Config c;
  for_each_field(c, [&](const char* name, auto& member) { read_field(j, name, member); });
  c.validate();
  return c;
}

nlohmann::json Sam3Config::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for_each_field(*this, [&](const char* name, const auto& member) { j[name] = member; });
  return j;
}

void Sam3Config::validate() const {
  auto positive = [](int v, const char* name) {
    SAM3RT_CHECK(v > 0, kFormat, "model configuration: ", name, " must be positive, got ", v);
  };
  positive(image_size, "image_size");
  positive(patch_size, "patch_size");
  positive(pretrain_image_size, "pretrain_image_size");
  positive(vit_dim, "vit_dim");
  positive(vit_depth, "vit_depth");
  positive(vit_heads, "vit_heads");
  positive(vit_window, "vit_window");
  positive(text_width, "text_width");
  positive(text_heads, "text_heads");
  positive(text_layers, "text_layers");
  positive(text_context, "text_context");
  positive(vocab_size, "vocab_size");
  positive(d_model, "d_model");
  positive(d_heads, "d_heads");
  positive(d_ffn, "d_ffn");
  positive(num_queries, "num_queries");
  positive(roi_size, "roi_size");
  positive(scoring_hidden, "scoring_hidden");
  // Caps far above any SAM 3 variant: sizes from a file must not make the model allocate
  // terabytes (image_size, for one, is tied to no weight shape that a file would have to hold).
  auto at_most = [](int v, int cap, const char* name) {
    SAM3RT_CHECK(v >= 0 && v <= cap, kFormat, "model configuration: ", name, " is ", v, ", outside 0..", cap);
  };
  at_most(image_size, kMaxConfigImageSize, "image_size");
  at_most(pretrain_image_size, kMaxConfigImageSize, "pretrain_image_size");
  for (auto [v, name] : {std::pair{vit_dim, "vit_dim"}, {vit_heads, "vit_heads"}, {text_width, "text_width"},
                         {text_heads, "text_heads"}, {d_model, "d_model"}, {d_heads, "d_heads"}, {d_ffn, "d_ffn"},
                         {scoring_hidden, "scoring_hidden"}, {num_queries, "num_queries"}, {roi_size, "roi_size"},
                         {text_context, "text_context"}})
    at_most(v, kMaxConfigWidth, name);
  for (auto [v, name] : {std::pair{vit_depth, "vit_depth"}, {text_layers, "text_layers"},
                         {encoder_layers, "encoder_layers"}, {decoder_layers, "decoder_layers"},
                         {geometry_layers, "geometry_layers"}})
    at_most(v, kMaxConfigLayers, name);
  for (auto [v, name] : {std::pair{sam_heads, "sam_heads"}, {sam_mlp_dim, "sam_mlp_dim"},
                         {sam_attn_downsample, "sam_attn_downsample"}, {sam_iou_hidden, "sam_iou_hidden"},
                         {sam_multimask_outputs, "sam_multimask_outputs"}, {sam_mask_in_chans, "sam_mask_in_chans"},
                         {mem_dim, "mem_dim"}, {num_maskmem, "num_maskmem"}, {mem_attn_ffn, "mem_attn_ffn"},
                         {fuser_kernel, "fuser_kernel"}, {max_obj_ptrs, "max_obj_ptrs"},
                         {max_cond_frames, "max_cond_frames"}})
    at_most(v, kMaxConfigWidth, name);
  for (auto [v, name] : {std::pair{sam_depth, "sam_depth"}, {sam_iou_depth, "sam_iou_depth"},
                         {mem_attn_layers, "mem_attn_layers"}, {fuser_layers, "fuser_layers"}})
    at_most(v, kMaxConfigLayers, name);
  SAM3RT_CHECK(inst_max_hole_area >= 0, kFormat, "model configuration: inst_max_hole_area must be >= 0");
  at_most(vocab_size, kMaxConfigVocab, "vocab_size");
  at_most(bpe_merges, kMaxConfigVocab, "bpe_merges");
  for (auto [v, name] : {std::pair{vit_mlp_ratio, "vit_mlp_ratio"}, {text_mlp_ratio, "text_mlp_ratio"}})
    SAM3RT_CHECK(v > 0 && v <= 64, kFormat, "model configuration: ", name, " must be in (0, 64], got ", v);
  SAM3RT_CHECK(rope_theta > 0 && layer_norm_eps > 0 && layer_norm_eps < 1, kFormat,
               "model configuration: rope_theta must be positive and layer_norm_eps in (0, 1)");
  SAM3RT_CHECK(image_size % patch_size == 0, kFormat, "model configuration: image_size ", image_size,
               " is not a multiple of patch_size ", patch_size);
  SAM3RT_CHECK(grid_size() % vit_window == 0, kFormat, "model configuration: the patch grid ", grid_size(),
               " is not a multiple of vit_window ", vit_window);
  SAM3RT_CHECK(vit_dim % vit_heads == 0 && (vit_dim / vit_heads) % 4 == 0, kFormat,
               "model configuration: vit_dim/vit_heads must be a multiple of 4 (2-D RoPE)");
  SAM3RT_CHECK(text_width % text_heads == 0, kFormat, "model configuration: text_width % text_heads != 0");
  SAM3RT_CHECK(d_model % d_heads == 0, kFormat, "model configuration: d_model % d_heads != 0");
  SAM3RT_CHECK(d_model % 4 == 0, kFormat, "model configuration: d_model must be a multiple of 4");
  positive(sam_heads, "sam_heads");
  positive(sam_mlp_dim, "sam_mlp_dim");
  positive(sam_depth, "sam_depth");
  positive(sam_attn_downsample, "sam_attn_downsample");
  positive(sam_iou_hidden, "sam_iou_hidden");
  positive(sam_iou_depth, "sam_iou_depth");
  positive(sam_multimask_outputs, "sam_multimask_outputs");
  positive(mem_dim, "mem_dim");
  positive(num_maskmem, "num_maskmem");
  positive(mem_attn_ffn, "mem_attn_ffn");
  positive(fuser_kernel, "fuser_kernel");
  SAM3RT_CHECK(sam_mask_in_chans > 0 && sam_mask_in_chans % 4 == 0, kFormat,
               "model configuration: sam_mask_in_chans must be a positive multiple of 4, got ", sam_mask_in_chans);
  for (int g : vit_global)
    SAM3RT_CHECK(g >= 0 && g < vit_depth, kFormat, "model configuration: global block ", g, " outside 0..",
                 vit_depth - 1);
}

}  // namespace sam3rt
