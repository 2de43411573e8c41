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
  read_field(j, "image_size", c.image_size);
  read_field(j, "patch_size", c.patch_size);
  read_field(j, "pretrain_image_size", c.pretrain_image_size);
  read_field(j, "vit_dim", c.vit_dim);
  read_field(j, "vit_depth", c.vit_depth);
  read_field(j, "vit_heads", c.vit_heads);
  read_field(j, "vit_mlp_ratio", c.vit_mlp_ratio);
  read_field(j, "vit_window", c.vit_window);
  read_field(j, "vit_global", c.vit_global);
  read_field(j, "rope_theta", c.rope_theta);
  read_field(j, "text_width", c.text_width);
  read_field(j, "text_heads", c.text_heads);
  read_field(j, "text_layers", c.text_layers);
  read_field(j, "text_context", c.text_context);
  read_field(j, "text_mlp_ratio", c.text_mlp_ratio);
  read_field(j, "vocab_size", c.vocab_size);
  read_field(j, "bpe_merges", c.bpe_merges);
  read_field(j, "d_model", c.d_model);
  read_field(j, "d_heads", c.d_heads);
  read_field(j, "d_ffn", c.d_ffn);
  read_field(j, "encoder_layers", c.encoder_layers);
  read_field(j, "decoder_layers", c.decoder_layers);
  read_field(j, "geometry_layers", c.geometry_layers);
  read_field(j, "num_queries", c.num_queries);
  read_field(j, "roi_size", c.roi_size);
  read_field(j, "scoring_hidden", c.scoring_hidden);
  read_field(j, "layer_norm_eps", c.layer_norm_eps);
  c.validate();
  return c;
}

nlohmann::json Sam3Config::to_json() const {
  return nlohmann::json{{"image_size", image_size},
                        {"patch_size", patch_size},
                        {"pretrain_image_size", pretrain_image_size},
                        {"vit_dim", vit_dim},
                        {"vit_depth", vit_depth},
                        {"vit_heads", vit_heads},
                        {"vit_mlp_ratio", vit_mlp_ratio},
                        {"vit_window", vit_window},
                        {"vit_global", vit_global},
                        {"rope_theta", rope_theta},
                        {"text_width", text_width},
                        {"text_heads", text_heads},
                        {"text_layers", text_layers},
                        {"text_context", text_context},
                        {"text_mlp_ratio", text_mlp_ratio},
                        {"vocab_size", vocab_size},
                        {"bpe_merges", bpe_merges},
                        {"d_model", d_model},
                        {"d_heads", d_heads},
                        {"d_ffn", d_ffn},
                        {"encoder_layers", encoder_layers},
                        {"decoder_layers", decoder_layers},
                        {"geometry_layers", geometry_layers},
                        {"num_queries", num_queries},
                        {"roi_size", roi_size},
                        {"scoring_hidden", scoring_hidden},
                        {"layer_norm_eps", layer_norm_eps}};
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
  for (int g : vit_global)
    SAM3RT_CHECK(g >= 0 && g < vit_depth, kFormat, "model configuration: global block ", g, " outside 0..",
                 vit_depth - 1);
}

}  // namespace sam3rt
