#include "model/vit.h"

#include <string>

#include "ops/ops.h"

namespace sam3rt {

// ref: sam3/model/vitdet.py Block.forward
void VitBlock::forward(Tensor& x) const {
  // x: [L, C] window order
  Tensor h = ops::layer_norm(x, norm1_w, norm1_b, eps);
  ops::add_(x, attn.forward(h));
  h = ops::layer_norm(x, norm2_w, norm2_b, eps);
  Tensor hidden = ops::gelu(ops::linear(h, fc1_w, fc1_b));  // [L, hidden]
  ops::add_(x, ops::linear(hidden, fc2_w, fc2_b));
}

Tensor VitTrunk::to_window_order(const Tensor& x) const {
  // x: [g, g, C] → [n, w, n, w, C] → [n, n, w, w, C] → [g·g, C]
  const int64_t n = grid_ / window_, w = window_, c = x.size(2);
  return x.view({n, w, n, w, c}).permute({0, 2, 1, 3, 4}).contiguous().view({int64_t(grid_) * grid_, c});
}

Tensor VitTrunk::from_window_order(const Tensor& x) const {
  // x: [g·g, C] → [n, n, w, w, C] → [n, w, n, w, C] → [g, g, C]
  const int64_t n = grid_ / window_, w = window_, c = x.size(1);
  return x.view({n, n, w, w, c}).permute({0, 2, 1, 3, 4}).clone().view({int64_t(grid_), int64_t(grid_), c});
}

Tensor vit_rope_table(const Sam3Config& config, bool global) {
  // rope_pt_size defaults to the window; use_interp_rope rescales global positions by
  // rope_pt_size / grid so that the global grid spans the same range as one window.
  const int hd = config.vit_dim / config.vit_heads, w = config.vit_window, g = config.grid_size();
  if (!global) return ops::axial_rope_table(hd, w, w, config.rope_theta, 1.f);
  return ops::axial_rope_table(hd, g, g, config.rope_theta, static_cast<float>(w) / static_cast<float>(g));
}

VitTrunk::VitTrunk(const Sam3Config& config, const WeightStore& weights, const std::string& prefix)
    : config_(config), grid_(config.grid_size()), dim_(config.vit_dim), window_(config.vit_window) {
  const int64_t C = dim_, p = config.patch_size, g0 = config.pretrain_grid();
  const int heads = config.vit_heads;
  const int64_t hd = C / heads, hidden = config.vit_mlp_hidden();
  SAM3RT_CHECK(!config.vit_global.empty(), kFormat,
               "model configuration: vit_global is empty; the trunk output is the last global block's");
  SAM3RT_CHECK(g0 > 0, kFormat, "model configuration: pretrain_image_size ", config.pretrain_image_size,
               " is smaller than one patch");

  // ref: sam3/model/vitdet.py PatchEmbed (bias_patch_embed=False)
  patch_w_ = weights.get(prefix + "patch_embed.proj.weight", {C, 3, p, p});

  // ref: sam3/model/vitdet.py get_abs_pos (tiling=True): drop the cls row, tile the g0×g0 grid
  // (not interpolate) and crop to g×g, i.e. pos[y, x] = grid[y mod g0, x mod g0].
  const Tensor& pos_embed = weights.get(prefix + "pos_embed", {1, 1 + g0 * g0, C});
  Tensor grid = pos_embed.select(0, 0).slice(0, 1, 1 + g0 * g0).view({g0, g0, C});
  const int64_t reps = grid_ / g0 + 1;
  Tensor rows = ops::concat(std::vector<Tensor>(reps, grid), 0).slice(0, 0, grid_);   // [g, g0, C]
  Tensor tiled = ops::concat(std::vector<Tensor>(reps, rows), 1).slice(1, 0, grid_);  // [g, g, C]
  pos_ = to_window_order(tiled);

  ln_pre_w_ = weights.get(prefix + "ln_pre.weight", {C});
  ln_pre_b_ = weights.get(prefix + "ln_pre.bias", {C});

  // Computed once per kind and shared by the blocks whose checkpoint table agrees.
  Tensor window_table = vit_rope_table(config, false);
  Tensor global_table = vit_rope_table(config, true);

  // The reference returns the output of the last listed global block (full_attn_ids[-1]);
  // blocks after it cannot influence the result, so they are not built.
  const int last = config.vit_global.back();
  blocks_.resize(last + 1);
  for (int i = 0; i <= last; ++i) {
    const std::string bp = prefix + "blocks." + std::to_string(i) + ".";
    VitBlock& b = blocks_[i];
    b.eps = config.layer_norm_eps;
    b.norm1_w = weights.get(bp + "norm1.weight", {C});
    b.norm1_b = weights.get(bp + "norm1.bias", {C});
    b.attn.qkv_w = weights.get(bp + "attn.qkv.weight", {3 * C, C});
    b.attn.qkv_b = weights.get(bp + "attn.qkv.bias", {3 * C});
    b.attn.proj_w = weights.get(bp + "attn.proj.weight", {C, C});
    b.attn.proj_b = weights.get(bp + "attn.proj.bias", {C});
    b.norm2_w = weights.get(bp + "norm2.weight", {C});
    b.norm2_b = weights.get(bp + "norm2.bias", {C});
    b.fc1_w = weights.get(bp + "mlp.fc1.weight", {hidden, C});
    b.fc1_b = weights.get(bp + "mlp.fc1.bias", {hidden});
    b.fc2_w = weights.get(bp + "mlp.fc2.weight", {C, hidden});
    b.fc2_b = weights.get(bp + "mlp.fc2.bias", {C});
    b.attn.heads = heads;

    const bool global = config.is_global_block(i);
    const std::string rope_name = bp + "attn.freqs_cis";
    const Tensor stored = weights.has(rope_name) ? weights.get(rope_name) : Tensor();
    Tensor table = resolve_rope_table(global ? global_table : window_table, stored, rope_name);
    if (global) {
      // Rows follow the window-ordered stream: [g², hd/2, 2] → [g, g, hd] → window order.
      b.attn.group_tokens = grid_ * grid_;
      b.attn.rope = to_window_order(table.view({grid_, grid_, hd})).view({int64_t(grid_) * grid_, hd / 2, 2});
    } else {
      b.attn.group_tokens = window_ * window_;
      b.attn.rope = table;
    }
    b.attn.rope = b.attn.rope.to(weights.device());
  }
}

// ref: sam3/model/vitdet.py ViT.forward
Tensor VitTrunk::forward(const Tensor& pixels, TensorDump* dump) const {
  // pixels: [1, 3, S, S]
  const int64_t C = dim_, g = grid_, p = config_.patch_size;
  Tensor patches = ops::conv2d(pixels, patch_w_, Tensor(), p, p, 0, 0);  // [1, C, g, g]
  Tensor bhwc = patches.select(0, 0).permute({1, 2, 0});                // [g, g, C] view
  if (dump) (*dump)["vit.patch_embed"] = bhwc.unsqueeze(0).clone();

  Tensor x = to_window_order(bhwc);  // [L, C], our own buffer from here on
  ops::add_(x, pos_);
  x = ops::layer_norm(x, ln_pre_w_, ln_pre_b_, config_.layer_norm_eps);
  if (dump) (*dump)["vit.ln_pre"] = from_window_order(x).unsqueeze(0);

  for (size_t i = 0; i < blocks_.size(); ++i) {
    blocks_[i].forward(x);
    if (dump) (*dump)["vit.blocks." + std::to_string(i)] = from_window_order(x).unsqueeze(0);
  }

  // [L, C] window order → [1, C, g, g]: ref: ViT.forward permutes the last global output to NCHW.
  const int64_t n = g / window_, w = window_;
  return x.view({n, n, w, w, C}).permute({4, 0, 2, 1, 3}).contiguous().view({1, C, g, g});
}

}  // namespace sam3rt
