#include "model/sam-prompt-encoder.h"

#include <cmath>

#include "ops/ops.h"

namespace sam3rt {

namespace {
std::vector<float> host_values(const Tensor& t) {
  const Tensor c = t.to(Device::cpu()).to(DType::kF32).contiguous();
  return std::vector<float>(c.data<float>(), c.data<float>() + c.numel());
}
}  // namespace

Tensor layer_norm_2d(const Tensor& x, const LayerNorm& norm) {
  // [B, C, H, W] → [B, H, W, C] → normalise C → back
  return norm(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

SamPromptEncoder::SamPromptEncoder(const Sam3Config& c, const WeightStore& w, const std::string& p)
    : image_size_(c.image_size), grid_(c.grid_size()), dim_(c.d_model), device_(w.device()) {
  const int64_t d = c.d_model, mc = c.sam_mask_in_chans;
  gaussian_ = host_values(w.get(p + "pe_layer.positional_encoding_gaussian_matrix", {2, d / 2}));
  for (int i = 0; i < 4; ++i)
    point_embed_[i] = host_values(w.get(p + "point_embeddings." + std::to_string(i) + ".weight", {1, d}));
  not_a_point_ = host_values(w.get(p + "not_a_point_embed.weight", {1, d}));
  no_mask_embed_ = w.get(p + "no_mask_embed.weight", {1, d});
  conv0_w_ = w.get(p + "mask_downscaling.0.weight", {mc / 4, 1, 2, 2});
  conv0_b_ = w.get(p + "mask_downscaling.0.bias", {mc / 4});
  norm0_ = LayerNorm(w, p + "mask_downscaling.1.", mc / 4, 1e-6f);
  conv1_w_ = w.get(p + "mask_downscaling.3.weight", {mc, mc / 4, 2, 2});
  conv1_b_ = w.get(p + "mask_downscaling.3.bias", {mc});
  norm1_ = LayerNorm(w, p + "mask_downscaling.4.", mc, 1e-6f);
  conv2_w_ = w.get(p + "mask_downscaling.6.weight", {d, mc, 1, 1});
  conv2_b_ = w.get(p + "mask_downscaling.6.bias", {d});

  // ref: PositionEmbeddingRandom.forward(image_embedding_size): cell centres (cumsum − 0.5) / size
  Tensor pe = Tensor::empty({1, d, grid_, grid_});
  float* out = pe.data<float>();
  std::vector<float> v(d);
  for (int i = 0; i < grid_; ++i)
    for (int j = 0; j < grid_; ++j) {
      const float y = (static_cast<float>(i + 1) - 0.5f) / static_cast<float>(grid_);
      const float x = (static_cast<float>(j + 1) - 0.5f) / static_cast<float>(grid_);
      fourier(x, y, v.data());
      for (int k = 0; k < d; ++k) out[(static_cast<int64_t>(k) * grid_ + i) * grid_ + j] = v[k];
    }
  dense_pe_ = pe.to(device_);
}

// ref: sam3/sam/prompt_encoder.py PositionEmbeddingRandom._pe_encoding
void SamPromptEncoder::fourier(float x, float y, float* out) const {
  const int half = dim_ / 2;
  const float u = 2.f * x - 1.f, v = 2.f * y - 1.f;
  const float two_pi = static_cast<float>(2.0 * M_PI);  // the Python float 2·np.pi in a float32 op
  for (int k = 0; k < half; ++k) {
    const float a = two_pi * (u * gaussian_[k] + v * gaussian_[half + k]);
    out[k] = std::sin(a);
    out[half + k] = std::cos(a);
  }
}

// ref: sam3/sam/prompt_encoder.py PromptEncoder._embed_points(pad=True)
Tensor SamPromptEncoder::embed_points(const std::vector<SamPoint>& points) const {
  const int64_t n = static_cast<int64_t>(points.size()) + 1;
  Tensor out = Tensor::empty({1, n, dim_});
  float* o = out.data<float>();
  const float size = static_cast<float>(image_size_);
  for (int64_t i = 0; i < n; ++i) {
    const SamPoint p = i + 1 < n ? points[i] : SamPoint{0.f, 0.f, -1};
    float* e = o + i * dim_;
    if (p.label == -1) {  // the encoding is discarded: torch.zeros_like(pe) + not_a_point_embed
      for (int k = 0; k < dim_; ++k) e[k] = 0.f + not_a_point_[k];
      continue;
    }
    // + 0.5: pixel centres; then divided by the input size (forward_with_coords)
    fourier((p.x + 0.5f) / size, (p.y + 0.5f) / size, e);
    if (p.label >= 0 && p.label <= 3)
      for (int k = 0; k < dim_; ++k) e[k] += point_embed_[p.label][k];
  }
  return out.to(device_);
}

// ref: sam3/sam/prompt_encoder.py PromptEncoder._embed_masks
Tensor SamPromptEncoder::embed_mask(const Tensor& mask) const {
  // mask: [1, 1, 4g, 4g] → [1, c/4, 2g, 2g] → [1, c, g, g] → [1, d, g, g]
  Tensor x = ops::conv2d(mask.to(device_), conv0_w_, conv0_b_, 2, 2, 0, 0);
  x = ops::gelu(layer_norm_2d(x, norm0_));
  x = ops::conv2d(x, conv1_w_, conv1_b_, 2, 2, 0, 0);
  x = ops::gelu(layer_norm_2d(x, norm1_));
  return ops::conv2d(x, conv2_w_, conv2_b_, 1, 1, 0, 0);
}

Tensor SamPromptEncoder::no_mask_dense() const {
  // no_mask_embed.weight.reshape(1, -1, 1, 1).expand(1, -1, g, g)
  return no_mask_embed_.reshape({1, dim_, 1, 1}).expand({1, dim_, grid_, grid_});
}

}  // namespace sam3rt
