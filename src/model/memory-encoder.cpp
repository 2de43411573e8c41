#include "model/memory-encoder.h"

#include "model/sam-prompt-encoder.h"  // layer_norm_2d
#include "ops/ops.h"

namespace sam3rt {

MemoryEncoder::MemoryEncoder(const Sam3Config& c, const WeightStore& w, const std::string& p)
    : input_size_(16 * c.grid_size()) {
  const int64_t d = c.d_model;
  int64_t ch = 1;
  const std::string e = p + "mask_downsampler.encoder.";
  for (int i = 0; i < c.mem_downsampler_layers(); ++i) {
    DownStage s;
    s.conv_w = w.get(e + std::to_string(3 * i) + ".weight", {ch * 4, ch, 3, 3});
    s.conv_b = w.get(e + std::to_string(3 * i) + ".bias", {ch * 4});
    s.norm = LayerNorm(w, e + std::to_string(3 * i + 1) + ".", ch * 4, 1e-6f);
    down_.push_back(std::move(s));
    ch *= 4;
  }
  const std::string last = e + std::to_string(3 * c.mem_downsampler_layers());
  down_out_w_ = w.get(last + ".weight", {d, ch, 1, 1});
  down_out_b_ = w.get(last + ".bias", {d});
  pix_proj_w_ = w.get(p + "pix_feat_proj.weight", {d, d, 1, 1});
  pix_proj_b_ = w.get(p + "pix_feat_proj.bias", {d});
  for (int l = 0; l < c.fuser_layers; ++l) {
    const std::string f = p + "fuser.layers." + std::to_string(l) + ".";
    CxBlock b;
    b.kernel = c.fuser_kernel;
    b.dw_w = w.get(f + "dwconv.weight", {d, 1, c.fuser_kernel, c.fuser_kernel});
    b.dw_b = w.get(f + "dwconv.bias", {d});
    b.norm = LayerNorm(w, f + "norm.", d, 1e-6f);
    b.pw1 = Linear(w, f + "pwconv1.", d, 4 * d);
    b.pw2 = Linear(w, f + "pwconv2.", 4 * d, d);
    b.gamma = w.get(f + "gamma", {d});
    fuser_.push_back(std::move(b));
  }
  out_w_ = w.get(p + "out_proj.weight", {c.mem_dim, d, 1, 1});
  out_b_ = w.get(p + "out_proj.bias", {c.mem_dim});
}

// ref: SimpleMaskEncoder.forward(skip_mask_sigmoid=True)
Tensor MemoryEncoder::forward(const Tensor& pix_feat, const Tensor& masks) const {
  // SimpleMaskDownSampler: [B, 1, 16g, 16g] → 4 × (conv s2 → LN2d → GELU) → [B, 256, g, g] → 1×1 → [B, d, g,
  // g]
  Tensor m = masks;
  if (m.size(2) != input_size_ || m.size(3) != input_size_)
    m = ops::interpolate_bilinear_antialias(m, input_size_, input_size_);
  for (const DownStage& s : down_)
    m = ops::gelu(layer_norm_2d(ops::conv2d(m, s.conv_w, s.conv_b, 2, 2, 1, 1), s.norm));
  m = ops::conv2d(m, down_out_w_, down_out_b_, 1, 1, 0, 0);

  // x = pix_feat_proj(pix_feat) + m: [B, d, g, g]
  Tensor x = ops::add(ops::conv2d(pix_feat, pix_proj_w_, pix_proj_b_, 1, 1, 0, 0), m);
  // CXBlocks: x + γ·pw2(GELU(pw1(LN(dwconv(x))))) with the pointwise layers channels-last
  for (const CxBlock& b : fuser_) {
    const int64_t B = x.size(0), d = x.size(1), H = x.size(2), W = x.size(3);
    const Tensor y = layer_norm_2d(
        ops::conv2d(x, b.dw_w, b.dw_b, 1, 1, b.kernel / 2, b.kernel / 2, static_cast<int>(d)), b.norm);
    Tensor t = b.pw2(ops::gelu(b.pw1(y.permute({0, 2, 3, 1}))));  // [B, H, W, d]
    t = ops::mul(t, b.gamma);
    x = ops::add(x, t.permute({0, 3, 1, 2}));
    SAM3RT_ASSERT(x.size(0) == B && x.size(2) == H && x.size(3) == W, "CXBlock keeps the shape");
  }
  return ops::conv2d(x, out_w_, out_b_, 1, 1, 0, 0);  // [B, mem_dim, g, g]
}

}  // namespace sam3rt
