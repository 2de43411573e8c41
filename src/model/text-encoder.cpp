#include "model/text-encoder.h"

#include <limits>
#include <string>
#include <vector>

#include "model/detector-layers.h"
#include "model/multihead-attention.h"
#include "ops/ops.h"

namespace sam3rt {

namespace {

// ref: sam3/model/text_encoder_ve.py ResidualAttentionBlock
struct TextBlock {
  LayerNorm ln_1, ln_2;
  MultiheadAttention attn;
  Linear c_fc, c_proj;
};

}  // namespace

struct TextEncoder::Impl {
  Sam3Config config;
  Tensor token_embedding;       // [V, W]
  Tensor positional_embedding;  // [T, W]
  std::vector<TextBlock> blocks;
  LayerNorm ln_final;
  Linear resizer;               // W → d
  Tensor causal_mask;           // [1, 1, T, T]: −∞ strictly above the diagonal
};

TextEncoder::TextEncoder(const Sam3Config& c, const WeightStore& w) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.config = c;
  const std::string p = std::string(kDetectorPrefix) + "backbone.language_backbone.";
  const std::string e = p + "encoder.";
  const int64_t width = c.text_width, ctx = c.text_context, hidden = c.text_mlp_hidden();
  m.token_embedding = w.get(e + "token_embedding.weight", {c.vocab_size, width});
  m.positional_embedding = w.get(e + "positional_embedding", {ctx, width});
  for (int i = 0; i < c.text_layers; ++i) {
    const std::string b = e + "transformer.resblocks." + std::to_string(i) + ".";
    TextBlock blk;
    blk.ln_1 = LayerNorm(w, b + "ln_1.", width, c.layer_norm_eps);
    blk.ln_2 = LayerNorm(w, b + "ln_2.", width, c.layer_norm_eps);
    blk.attn = MultiheadAttention(w, b + "attn.", c.text_width, c.text_heads);
    blk.c_fc = Linear(w, b + "mlp.c_fc.", width, hidden);
    blk.c_proj = Linear(w, b + "mlp.c_proj.", hidden, width);
    m.blocks.push_back(std::move(blk));
  }
  m.ln_final = LayerNorm(w, e + "ln_final.", width, c.layer_norm_eps);
  m.resizer = Linear(w, p + "resizer.", width, c.d_model);

  // ref: TextTransformer.build_causal_mask — additive, token i sees 0..i.
  m.causal_mask = Tensor::zeros({1, 1, ctx, ctx});
  float* cm = m.causal_mask.data<float>();
  for (int64_t i = 0; i < ctx; ++i)
    for (int64_t j = i + 1; j < ctx; ++j) cm[i * ctx + j] = -std::numeric_limits<float>::infinity();
  m.causal_mask = m.causal_mask.to(m.token_embedding.device());
}

TextEncoder::~TextEncoder() = default;

// ref: sam3/model/text_encoder_ve.py VETextEncoder.forward / TextTransformer.forward
// token_ids: [1, T] → features [T, 1, d], mask [1, T]
TextFeatures TextEncoder::forward(const Tensor& token_ids, TensorDump* dump) const {
  const Impl& m = *impl_;
  const int64_t ctx = m.config.text_context;
  SAM3RT_CHECK(token_ids.dim() == 2 && token_ids.size(0) == 1 && token_ids.size(1) == ctx, kInvalidArgument,
               "text token ids must be [1, ", ctx, "], got ", token_ids.shape().str());
  const Tensor ids = token_ids.to(Device::cpu()).to(DType::kI32).contiguous();

  // x: [1, T, W]
  const Device dev = m.token_embedding.device();
  Tensor x = ops::add(ops::embedding(m.token_embedding, ids.to(dev)), m.positional_embedding);
  for (const TextBlock& blk : m.blocks) {
    // No padding mask inside the text encoder: padding sits after EOT, causality keeps real
    // tokens clean (spec §6).
    const Tensor h = blk.ln_1(x);
    ops::add_(x, blk.attn.forward(h, h, h, Tensor(), m.causal_mask));
    ops::add_(x, blk.c_proj(ops::gelu(blk.c_fc(blk.ln_2(x)))));
  }
  x = m.ln_final(x);
  // features: [1, T, d] — for batch 1 the same memory as the reference's seq-first [T, 1, d]
  const Tensor feats = m.resizer(x);

  TextFeatures out;
  out.features = seq_first(feats);
  out.padding_mask = Tensor::zeros({1, ctx}, DType::kU8);
  const int32_t* id = ids.data<int32_t>();
  uint8_t* pm = out.padding_mask.data<uint8_t>();
  for (int64_t t = 0; t < ctx; ++t) pm[t] = id[t] == 0 ? 1 : 0;
  out.padding_mask = out.padding_mask.to(dev);

  if (dump) {
    (*dump)["text.language_features"] = out.features;
    (*dump)["text.language_mask"] = out.padding_mask.to(DType::kF32);
  }
  return out;
}

}  // namespace sam3rt
