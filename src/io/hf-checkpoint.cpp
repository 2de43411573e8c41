// ref: transformers convert_sam3_to_hf.py / convert_sam3_video_to_hf.py (spec §14.2), inverted.
#include "io/hf-checkpoint.h"

#include <array>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json-number.h"
#include "core/safe-text.h"
#include "core/log.h"
#include "io/hf-tracker-keys.h"

namespace sam3rt {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) {
      // Padding lets the matcher index a few segments past the end of short keys safely.
      out.resize(out.size() + 8);
      return out;
    }
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string>& v, size_t from, size_t to = std::string::npos) {
  std::string out;
  for (size_t i = from; i < v.size() && i < to; ++i)
    if (!v[i].empty()) out += (out.empty() ? "" : ".") + v[i];
  return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

enum class Transform { kNone, kAddClsRow, kTranspose };

struct Mapped {
  std::string name;  // official key without "detector."; empty = drop
  char part = 0;     // 'q', 'k', 'v' when this is one third of a packed projection
  Transform transform = Transform::kNone;
};

// "layer3" -> "layers.2" (HF MLP layers count from 1, the official ones from 0).
std::string mlp_layer(const std::string& seg) {
  SAM3RT_CHECK(seg.size() > 5 && seg.compare(0, 5, "layer") == 0, kFormat, "unexpected MLP layer name '", seg, "'");
  return "layers." + std::to_string(std::stoi(seg.substr(5)) - 1);
}

// Inside an attention module: q/k/v_proj.{weight,bias} are packed back into in_proj_* (or, for
// the ViT, into qkv.*); o_proj/out_proj become out_proj (proj for the ViT).
Mapped attention(const std::string& module, const std::vector<std::string>& s, size_t i, bool vit) {
  const std::string& proj = s[i];
  const std::string param = join(s, i + 1);
  if (proj == "q_proj" || proj == "k_proj" || proj == "v_proj")
    return {module + (vit ? ".qkv." + param : ".in_proj_" + param), proj[0]};
  if (proj == "o_proj" || proj == "out_proj") return {module + (vit ? ".proj." : ".out_proj.") + param};
  return {module + "." + join(s, i)};
}

// Encoder-style layers (geometry and fusion encoders): cross_attn -> cross_attn_image,
// mlp.fc1/2 -> linear1/2, layer_norm1-3 -> norm1-3.
Mapped encoder_layer(const std::string& prefix, const std::vector<std::string>& s, size_t i) {
  const std::string& m = s[i];
  if (m == "self_attn") return attention(prefix + "self_attn", s, i + 1, false);
  if (m == "cross_attn") return attention(prefix + "cross_attn_image", s, i + 1, false);
  if (m == "mlp") return {prefix + (s[i + 1] == "fc1" ? "linear1." : "linear2.") + join(s, i + 2)};
  if (starts_with(m, "layer_norm")) return {prefix + "norm" + m.substr(10) + "." + join(s, i + 1)};
  return {prefix + join(s, i)};
}

// `fpn_prefix`: where this checkpoint keeps the neck's layers ("<prefix>vision_encoder.neck.fpn_layers.").
Mapped map_detector_key(const std::vector<std::string>& s, const std::map<std::string, Tensor>& hf,
                        const std::string& fpn_prefix) {
  const std::string& top = s[0];
  if (top == "vision_encoder" && s.size() > 2 && s[1] == "backbone") {
    const std::string V = "backbone.vision_backbone.trunk.";
    if (s[2] == "embeddings") {
      if (s[3] == "patch_embeddings") return {V + "patch_embed.proj." + join(s, 5)};
      if (s[3] == "position_embeddings") return {V + "pos_embed", 0, Transform::kAddClsRow};
    }
    if (s[2] == "layer_norm") return {V + "ln_pre." + join(s, 3)};
    if (s[2] == "layers") {
      const std::string B = V + "blocks." + s[3] + ".";
      if (s[4] == "layer_norm1") return {B + "norm1." + join(s, 5)};
      if (s[4] == "layer_norm2") return {B + "norm2." + join(s, 5)};
      if (s[4] == "attention") {
        if (s[5] == "rotary_emb") return {B + "attn.freqs_cis"};
        return attention(B + "attn", s, 5, true);
      }
      if (s[4] == "mlp") return {B + "mlp." + join(s, 5)};
    }
  }
  if (top == "vision_encoder" && s.size() > 4 && s[1] == "neck" && s[2] == "fpn_layers") {
    const std::string N = "backbone.vision_backbone.convs." + s[3] + ".";
    if (s[4] == "proj1") return {N + "conv_1x1." + join(s, 5)};
    if (s[4] == "proj2") return {N + "conv_3x3." + join(s, 5)};
    if (s[4] == "scale_layers") {
      if (s[5] == "2") return {N + "dconv_2x2_1." + join(s, 6)};
      // Index 0 is the first of two transposed convs in the x4 branch, the only one in x2.
      bool two = hf.count(fpn_prefix + s[3] + ".scale_layers.2.weight") != 0;
      if (s[5] == "0") return {N + (two ? "dconv_2x2_0." : "dconv_2x2.") + join(s, 6)};
    }
  }
  if (top == "text_encoder") {
    const std::string T = "backbone.language_backbone.encoder.";
    if (s[1] == "text_projection") return {T + "text_projection", 0, Transform::kTranspose};
    if (s[1] == "text_model") {
      if (s[2] == "embeddings" && s[3] == "token_embedding") return {T + "token_embedding." + join(s, 4)};
      if (s[2] == "embeddings" && s[3] == "position_embedding") return {T + "positional_embedding"};
      if (s[2] == "final_layer_norm") return {T + "ln_final." + join(s, 3)};
      if (s[2] == "encoder" && s[3] == "layers") {
        const std::string R = T + "transformer.resblocks." + s[4] + ".";
        if (s[5] == "layer_norm1") return {R + "ln_1." + join(s, 6)};
        if (s[5] == "layer_norm2") return {R + "ln_2." + join(s, 6)};
        if (s[5] == "mlp") return {R + (s[6] == "fc1" ? "mlp.c_fc." : "mlp.c_proj.") + join(s, 7)};
        if (s[5] == "self_attn") return attention(R + "attn", s, 6, false);
      }
    }
  }
  if (top == "text_projection") return {"backbone.language_backbone.resizer." + join(s, 1)};
  if (top == "geometry_encoder") {
    const std::string G = "geometry_encoder.";
    if (s[1] == "layers") return encoder_layer(G + "encode." + s[2] + ".", s, 3);
    if (s[1] == "vision_layer_norm") return {G + "img_pre_norm." + join(s, 2)};
    if (s[1] == "prompt_layer_norm") return {G + "norm." + join(s, 2)};
    if (s[1] == "output_layer_norm") return {G + "encode_norm." + join(s, 2)};
    return {G + join(s, 1)};
  }
  if (top == "detr_encoder" && s[1] == "layers") return encoder_layer("transformer.encoder.layers." + s[2] + ".", s, 3);
  if (top == "detr_decoder") {
    const std::string De = "transformer.decoder.";
    if (s[1] == "layers") {
      const std::string L = De + "layers." + s[2] + ".";
      const std::string& m = s[3];
      if (m == "self_attn") return attention(L + "self_attn", s, 4, false);
      if (m == "text_cross_attn") return attention(L + "ca_text", s, 4, false);
      if (m == "vision_cross_attn") return attention(L + "cross_attn", s, 4, false);
      if (m == "self_attn_layer_norm") return {L + "norm2." + join(s, 4)};
      if (m == "text_cross_attn_layer_norm") return {L + "catext_norm." + join(s, 4)};
      if (m == "vision_cross_attn_layer_norm") return {L + "norm1." + join(s, 4)};
      if (m == "mlp_layer_norm") return {L + "norm3." + join(s, 4)};
      if (m == "mlp") return {L + (s[4] == "fc1" ? "linear1." : "linear2.") + join(s, 5)};
    }
    if (s[1] == "output_layer_norm") return {De + "norm." + join(s, 2)};
    if (s[1] == "box_head") return {De + "bbox_embed." + mlp_layer(s[2]) + "." + join(s, 3)};
    if (s[1] == "presence_head") return {De + "presence_token_head." + mlp_layer(s[2]) + "." + join(s, 3)};
    if (s[1] == "presence_layer_norm") return {De + "presence_token_out_norm." + join(s, 2)};
    if (s[1] == "ref_point_head") return {De + "ref_point_head." + mlp_layer(s[2]) + "." + join(s, 3)};
    if (s[1] == "box_rpb_embed_x") return {De + "boxRPB_embed_x." + mlp_layer(s[2]) + "." + join(s, 3)};
    if (s[1] == "box_rpb_embed_y") return {De + "boxRPB_embed_y." + mlp_layer(s[2]) + "." + join(s, 3)};
    return {De + join(s, 1)};
  }
  if (top == "dot_product_scoring") {
    const std::string S = "dot_prod_scoring.";
    if (s[1] == "text_mlp") return {S + "prompt_mlp." + mlp_layer(s[2]) + "." + join(s, 3)};
    if (s[1] == "text_mlp_out_norm") return {S + "prompt_mlp.out_norm." + join(s, 2)};
    if (s[1] == "text_proj") return {S + "prompt_proj." + join(s, 2)};
    if (s[1] == "query_proj") return {S + "hs_proj." + join(s, 2)};
  }
  if (top == "mask_decoder") {
    const std::string H = "segmentation_head.";
    if (s[1] == "mask_embedder") return {H + "mask_predictor.mask_embed." + join(s, 2)};
    if (s[1] == "instance_projection") return {H + "instance_seg_head." + join(s, 2)};
    if (s[1] == "semantic_projection") return {H + "semantic_seg_head." + join(s, 2)};
    if (s[1] == "prompt_cross_attn_norm") return {H + "cross_attn_norm." + join(s, 2)};
    if (s[1] == "prompt_cross_attn") return attention(H + "cross_attend_prompt", s, 2, false);
    return {H + join(s, 1)};
  }
  return {"", 0};
}

}  // namespace

std::map<std::string, Tensor> hf_to_official(const std::map<std::string, Tensor>& hf, const std::string& where) {
  std::map<std::string, Tensor> out;
  // Packed projections collected as [q, k, v] before concatenation.
  std::map<std::string, std::array<Tensor, 3>> packs;
  size_t tracker_kept = 0, unknown = 0;
  std::string first_unknown;
  int downsampler_layers = 0;
  const std::string ds = "tracker_model.memory_encoder.mask_downsampler.layers.";
  for (const auto& [key, t] : hf)
    if (starts_with(key, ds) && key.size() > ds.size() + 12 && key.compare(key.size() - 12, 12, ".conv.weight") == 0)
      ++downsampler_layers;
  for (const auto& [key, t] : hf) {
    if (starts_with(key, "tracker_model.")) {
      std::optional<TrackerKeyMapping> m = hf_tracker_key_to_official(key.substr(14), downsampler_layers);
      if (!m) {
        out[key] = t;  // unknown to the table: kept under its HF name
        ++tracker_kept;
        continue;
      }
      if (m->name.empty()) continue;
      if (m->split_rows) {
        const size_t brace = m->name.find("{}");
        for (int64_t r = 0; r < t.size(0); ++r) {
          std::string name = m->name;
          name.replace(brace, 2, std::to_string(r));
          out[name] = t.slice(0, r, r + 1).contiguous();
        }
        continue;
      }
      out[m->name] = t;
      continue;
    }
    if (starts_with(key, "tracker_neck.fpn_layers.")) {
      // ref: sam3-tracker-video spec §16.2: tracker_neck.fpn_layers.i <- sam2_convs.i, same renames as convs.
      std::vector<std::string> s = split(key);
      s[0] = "neck";
      s.insert(s.begin(), "vision_encoder");
      Mapped m = map_detector_key(s, hf, "tracker_neck.fpn_layers.");
      const std::string convs = "backbone.vision_backbone.convs.";
      if (m.name.empty() || !starts_with(m.name, convs)) {
        out[key] = t;
        continue;
      }
      out["detector.backbone.vision_backbone.sam2_convs." + m.name.substr(convs.size())] = t;
      continue;
    }
    const std::string prefix = starts_with(key, "detector_model.") ? "detector_model." : "";
    std::vector<std::string> s = split(key.substr(prefix.size()));
    Mapped m;
    try {
      m = map_detector_key(s, hf, prefix + "vision_encoder.neck.fpn_layers.");
    } catch (const std::exception&) {
      m = {};
    }
    if (m.name.empty()) {
      out[key] = t;
      if (!unknown++) first_unknown = key;
      continue;
    }
    const std::string name = "detector." + m.name;
    if (m.part) {
      packs[name][m.part == 'q' ? 0 : m.part == 'k' ? 1 : 2] = t;
      continue;
    }
    if (m.name.find("freqs_cis") != std::string::npos) continue;  // HF's own RoPE buffer; recomputed
    switch (m.transform) {
      case Transform::kNone: out[name] = t; break;
      case Transform::kTranspose:
        SAM3RT_CHECK(t.dim() == 2, kFormat, where, ": '", key, "' should be a matrix, found ", t.shape().str());
        out[name] = t.transpose(0, 1).contiguous();
        break;
      case Transform::kAddClsRow: {
        // The official pos_embed has a leading cls slot that SAM 3 never reads; HF dropped it.
        SAM3RT_CHECK(t.dim() == 3 && t.size(0) == 1, kFormat, where, ": '", key, "' should be [1, N, C], found ",
                     t.shape().str());
        Tensor full = Tensor::zeros({1, t.size(1) + 1, t.size(2)}, t.dtype());
        full.slice(1, 1, t.size(1) + 1).copy_(t);
        out[name] = full;
        break;
      }
    }
  }
  for (auto& [name, qkv] : packs) {
    for (int i = 0; i < 3; ++i)
      SAM3RT_CHECK(qkv[i].defined(), kFormat, where, ": the ", "qkv"[i], " projection for '", name,
                   "' is missing; the checkpoint is incomplete");
    const Tensor& q = qkv[0];
    for (int i = 1; i < 3; ++i)
      SAM3RT_CHECK(qkv[i].shape() == q.shape() && qkv[i].dtype() == q.dtype(), kFormat, where,
                   ": the q/k/v projections of '", name, "' disagree in shape or dtype");
    Shape packed = q.shape();
    packed[0] *= 3;
    Tensor cat = Tensor::empty(packed, q.dtype());
    for (int i = 0; i < 3; ++i) cat.slice(0, i * q.size(0), (i + 1) * q.size(0)).copy_(qkv[i]);
    out[name] = cat;
  }
  if (tracker_kept)
    log_warning(where, ": ", tracker_kept, " tracker tensors have no known official name; kept under their Hugging Face names");
  if (unknown)
    log_warning(where, ": ", unknown, " Hugging Face tensor", unknown > 1 ? "s have" : " has",
                " no official counterpart (kept as is), e.g. '", first_unknown, "'");
  return out;
}

namespace {

template <class T>
T field(const nlohmann::json& j, const char* section, const char* name, const std::string& where) {
  const nlohmann::json* s = &j;
  if (section) {
    SAM3RT_CHECK(j.contains(section) && j[section].is_object(), kFormat, where, ": config.json has no '", section,
                 "' object; not a SAM 3 configuration");
    s = &j[section];
  }
  SAM3RT_CHECK(s->contains(name), kFormat, where, ": config.json lacks ", section ? section : "", section ? "." : "",
               name);
  T out{};
  SAM3RT_CHECK(json_number((*s)[name], &out), kFormat, where, ": config.json field ", section ? section : "",
               section ? "." : "", name, " has the wrong type or is out of range (", safe_text(json_brief((*s)[name])),
               ")");
  return out;
}

}  // namespace

Sam3Config config_from_hf_json(const nlohmann::json& root, const std::string& where) {
  SAM3RT_CHECK(root.is_object(), kFormat, where, ": config.json is not a JSON object");
  const std::string type =
      root.contains("model_type") && root["model_type"].is_string() ? root["model_type"].get<std::string>() : "";
  const nlohmann::json* jp = &root;
  if (type == "sam3_video") {
    SAM3RT_CHECK(root.contains("detector_config") && root["detector_config"].is_object(), kFormat, where,
                 ": a sam3_video config.json without detector_config");
    jp = &root["detector_config"];
  } else {
    SAM3RT_CHECK(type == "sam3", kFormat, where, ": config.json has model_type '", safe_text(type),
                 "'; expected 'sam3' or 'sam3_video' (a Hugging Face SAM 3 checkpoint)");
  }
  const nlohmann::json& j = *jp;
  SAM3RT_CHECK(j.contains("vision_config") && j["vision_config"].is_object() &&
                   j["vision_config"].contains("backbone_config"),
               kFormat, where, ": config.json lacks vision_config.backbone_config");
  const nlohmann::json& vit = j["vision_config"]["backbone_config"];
  SAM3RT_CHECK(vit.is_object(), kFormat, where, ": config.json's vision_config.backbone_config is not an object");
  Sam3Config c;
  c.image_size = field<int>(vit, nullptr, "image_size", where);
  c.patch_size = field<int>(vit, nullptr, "patch_size", where);
  c.pretrain_image_size = field<int>(vit, nullptr, "pretrain_image_size", where);
  c.vit_dim = field<int>(vit, nullptr, "hidden_size", where);
  c.vit_depth = field<int>(vit, nullptr, "num_hidden_layers", where);
  c.vit_heads = field<int>(vit, nullptr, "num_attention_heads", where);
  // Divisions by widths read from the file: validate() refuses non-positive widths, and a ratio of
  // a zero width must not be formed first (it would be inf or NaN).
  SAM3RT_CHECK(c.vit_dim > 0, kFormat, where, ": config.json's hidden_size must be positive");
  c.vit_mlp_ratio = static_cast<double>(field<int>(vit, nullptr, "intermediate_size", where)) / c.vit_dim;
  c.vit_window = field<int>(vit, nullptr, "window_size", where);
  c.vit_global = field<std::vector<int>>(vit, nullptr, "global_attn_indexes", where);
  if (vit.contains("rope_parameters") && vit["rope_parameters"].is_object() &&
      vit["rope_parameters"].contains("rope_theta"))
    c.rope_theta = field<float>(vit["rope_parameters"], nullptr, "rope_theta", where);
  else if (vit.contains("rope_theta"))
    c.rope_theta = field<float>(vit, nullptr, "rope_theta", where);

  c.text_width = field<int>(j, "text_config", "hidden_size", where);
  c.text_heads = field<int>(j, "text_config", "num_attention_heads", where);
  c.text_layers = field<int>(j, "text_config", "num_hidden_layers", where);
  c.text_context = field<int>(j, "text_config", "max_position_embeddings", where);
  SAM3RT_CHECK(c.text_width > 0, kFormat, where, ": config.json's text_config.hidden_size must be positive");
  c.text_mlp_ratio = static_cast<double>(field<int>(j, "text_config", "intermediate_size", where)) / c.text_width;
  c.vocab_size = field<int>(j, "text_config", "vocab_size", where);
  // CLIP's vocabulary: 256 bytes, the same with </w>, the merges, then two special tokens.
  SAM3RT_CHECK(c.vocab_size >= 2 * 256 + 2, kFormat, where, ": config.json's vocab_size ", c.vocab_size,
               " is smaller than CLIP's 514 byte and special tokens");
  c.bpe_merges = c.vocab_size - 2 * 256 - 2;

  c.d_model = field<int>(j, "detr_encoder_config", "hidden_size", where);
  c.d_heads = field<int>(j, "detr_encoder_config", "num_attention_heads", where);
  c.d_ffn = field<int>(j, "detr_encoder_config", "intermediate_size", where);
  c.encoder_layers = field<int>(j, "detr_encoder_config", "num_layers", where);
  c.decoder_layers = field<int>(j, "detr_decoder_config", "num_layers", where);
  c.num_queries = field<int>(j, "detr_decoder_config", "num_queries", where);
  c.geometry_layers = field<int>(j, "geometry_encoder_config", "num_layers", where);
  c.roi_size = field<int>(j, "geometry_encoder_config", "roi_size", where);
  // HF sizes the scoring MLP with the decoder's feed-forward width (2048 in the released model).
  c.scoring_hidden = field<int>(j, "detr_decoder_config", "intermediate_size", where);
  // layer_norm_eps stays 1e-5: the official model uses it everywhere (HF's 1e-6 differs, spec §20.22).
  try {
    c.validate();
  } catch (const Error& e) {
    fail(ErrorCode::kFormat, where, ": ", e.what());
  }
  return c;
}

std::vector<std::string> hf_index_shards(const nlohmann::json& index, const std::string& where) {
  SAM3RT_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(), kFormat, where,
               ": no weight_map object; not a safetensors index");
  std::set<std::string> shards;
  for (const auto& [key, v] : index["weight_map"].items()) {
    SAM3RT_CHECK(v.is_string(), kFormat, where, ": weight_map entry '", safe_text(key), "' is ",
                 safe_text(json_brief(v)), ", expected a shard file name");
    const std::string& shard = v.get_ref<const std::string&>();
    // Shards are files of the folder itself: a name with a path in it ("../x", "/etc/x") would make
    // an index downloaded from anywhere open files elsewhere.
    SAM3RT_CHECK(!shard.empty() && shard != "." && shard != ".." && shard.find('/') == std::string::npos &&
                     shard.find('\\') == std::string::npos && shard.find('\0') == std::string::npos,
                 kFormat, where, ": weight_map names the shard '", safe_text(shard),
                 "', which is not a file name in the model's folder");
    shards.insert(shard);
  }
  SAM3RT_CHECK(!shards.empty(), kFormat, where, ": the weight_map names no shard");
  return {shards.begin(), shards.end()};
}

}  // namespace sam3rt
