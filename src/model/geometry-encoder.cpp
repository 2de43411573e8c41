#include "model/geometry-encoder.h"

#include <string>

#include "ops/ops.h"

namespace sam3rt {

GeometryEncoder::GeometryEncoder(const Sam3Config& c, const WeightStore& w) : config_(c) {
  const std::string p = std::string(kDetectorPrefix) + "geometry_encoder.";
  const int64_t d = c.d_model;
  const float eps = c.layer_norm_eps;
  label_embed_ = w.get(p + "label_embed.weight", {2, d});
  cls_embed_ = w.get(p + "cls_embed.weight", {1, d});
  // Hugging Face checkpoints drop the point projections (no point API there): points are then
  // unsupported, everything else works.
  has_points_ = w.has(p + "points_direct_project.weight");
  if (has_points_) {
    points_direct_project_ = Linear(w, p + "points_direct_project.", 2, d);
    points_pool_project_ = Linear(w, p + "points_pool_project.", d, d);
    points_pos_enc_project_ = Linear(w, p + "points_pos_enc_project.", d, d);
  }
  boxes_direct_project_ = Linear(w, p + "boxes_direct_project.", 4, d);
  boxes_pool_weight_ = w.get(p + "boxes_pool_project.weight", {d, d, c.roi_size, c.roi_size});
  boxes_pool_bias_ = w.get(p + "boxes_pool_project.bias", {d});
  boxes_pos_enc_project_ = Linear(w, p + "boxes_pos_enc_project.", d + 2, d);
  final_proj_ = Linear(w, p + "final_proj.", d, d);
  norm_ = LayerNorm(w, p + "norm.", d, eps);
  img_pre_norm_ = LayerNorm(w, p + "img_pre_norm.", d, eps);
  for (int i = 0; i < c.geometry_layers; ++i) {
    const std::string l = p + "encode." + std::to_string(i) + ".";
    Layer layer;
    layer.norm1 = LayerNorm(w, l + "norm1.", d, eps);
    layer.norm2 = LayerNorm(w, l + "norm2.", d, eps);
    layer.norm3 = LayerNorm(w, l + "norm3.", d, eps);
    layer.self_attn = MultiheadAttention(w, l + "self_attn.", c.d_model, c.d_heads);
    layer.cross_attn_image = MultiheadAttention(w, l + "cross_attn_image.", c.d_model, c.d_heads);
    layer.ffn = FeedForward(w, l, d, c.d_ffn);
    layers_.push_back(std::move(layer));
  }
  encode_norm_ = LayerNorm(w, p + "encode_norm.", d, eps);
}

// ref: SequenceGeometryEncoder._encode_points
// pooled_image: [1, d, H, W] (img_pre_norm-ed) → [n, d]
Tensor GeometryEncoder::encode_points(const Tensor& pooled_image, const std::vector<PointPrompt>& points) const {
  SAM3RT_CHECK(has_points_, kUnsupported,
               "point prompts need the geometry encoder's points_* weights, which this model file lacks "
               "(Hugging Face checkpoints drop them); use box prompts or the official sam3.pt");
  const int64_t n = static_cast<int64_t>(points.size());
  const int d = config_.d_model;
  const int half = d / 2;
  std::vector<float> xy(n * 2), grid(n * 2), enc(n * d);
  std::vector<int32_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    const PointPrompt& pt = points[i];
    xy[2 * i] = pt.x;
    xy[2 * i + 1] = pt.y;
    // grid_sample wants [-1, 1]
    grid[2 * i] = pt.x * 2.f - 1.f;
    grid[2 * i + 1] = pt.y * 2.f - 1.f;
    // ref: PositionEmbeddingSine._encode_xy; points concatenate [x | y]
    sine_encode(pt.x, half, &enc[i * d]);
    sine_encode(pt.y, half, &enc[i * d + half]);
    labels[i] = pt.positive ? 1 : 0;
  }
  // The prompt's few numbers are assembled on the host and moved to the features' device.
  const Device dev = pooled_image.device();
  const Tensor coords = Tensor::from_vector({n, 2}, xy).to(dev);
  Tensor e = points_direct_project_(coords);
  // sampled: [1, d, n, 1] → [n, d]
  const Tensor sampled = ops::grid_sample(pooled_image, Tensor::from_vector({1, n, 1, 2}, grid).to(dev));
  e = ops::add(e, points_pool_project_(sampled.reshape({d, n}).transpose(0, 1)));
  e = ops::add(e, points_pos_enc_project_(Tensor::from_vector({n, int64_t(d)}, enc).to(dev)));
  return ops::add(ops::embedding(label_embed_, Tensor::from_vector_i32({n}, labels).to(dev)), e);
}

// ref: SequenceGeometryEncoder._encode_boxes
// pooled_image: [1, d, H, W] (img_pre_norm-ed) → [n, d]
Tensor GeometryEncoder::encode_boxes(const Tensor& pooled_image, const std::vector<BoxPrompt>& boxes) const {
  const int64_t n = static_cast<int64_t>(boxes.size());
  const int d = config_.d_model;
  const int half = d / 2;
  const float fh = static_cast<float>(pooled_image.size(2)), fw = static_cast<float>(pooled_image.size(3));
  std::vector<float> cxcywh(n * 4), enc(n * (d + 2));
  std::vector<int32_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    const BoxPrompt& b = boxes[i];
    cxcywh[4 * i] = b.cx;
    cxcywh[4 * i + 1] = b.cy;
    cxcywh[4 * i + 2] = b.w;
    cxcywh[4 * i + 3] = b.h;
    // ref: PositionEmbeddingSine.encode_boxes: [pos(cy) | pos(cx) | h | w], un-normalised
    float* row = &enc[i * (d + 2)];
    sine_encode(b.cy, half, row);
    sine_encode(b.cx, half, row + half);
    row[d] = b.h;
    row[d + 1] = b.w;
    labels[i] = b.positive ? 1 : 0;
  }
  // The prompt's few numbers are assembled on the host and moved to the features' device.
  const Device dev = pooled_image.device();
  const Tensor boxes_t = Tensor::from_vector({n, 4}, cxcywh);
  Tensor e = boxes_direct_project_(boxes_t.to(dev));

  // RoIAlign on the normalised features, boxes in feature pixels (xyxy × [W, H, W, H]),
  // aligned=False, adaptive sampling, then a roi_size×roi_size conv without padding → 1×1.
  const Tensor xyxy = box_cxcywh_to_xyxy(boxes_t);
  std::vector<float> rois(n * 5);
  const float* bx = xyxy.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    rois[5 * i] = 0.f;
    rois[5 * i + 1] = bx[4 * i] * fw;
    rois[5 * i + 2] = bx[4 * i + 1] * fh;
    rois[5 * i + 3] = bx[4 * i + 2] * fw;
    rois[5 * i + 4] = bx[4 * i + 3] * fh;
  }
  const int r = config_.roi_size;
  const Tensor pooled = ops::roi_align(pooled_image, Tensor::from_vector({n, 5}, rois).to(dev), r, r, 1.f, -1, false);
  // pooled: [n, d, r, r] → conv → [n, d, 1, 1]
  const Tensor proj = ops::conv2d(pooled, boxes_pool_weight_, boxes_pool_bias_, 1, 1, 0, 0);
  e = ops::add(e, proj.reshape({n, int64_t(d)}));
  e = ops::add(e, boxes_pos_enc_project_(Tensor::from_vector({n, int64_t(d) + 2}, enc).to(dev)));
  return ops::add(ops::embedding(label_embed_, Tensor::from_vector_i32({n}, labels).to(dev)), e);
}

// ref: SequenceGeometryEncoder.forward
// image, image_pos: [1, d, g, g] → tokens [1+n, 1, d], mask [1, 1+n]
GeometryTokens GeometryEncoder::forward(const Tensor& image, const Tensor& image_pos,
                                        const std::vector<BoxPrompt>& boxes, const std::vector<PointPrompt>& points,
                                        TensorDump* dump) const {
  const int64_t d = config_.d_model;
  SAM3RT_ASSERT(image.dim() == 4 && image.size(0) == 1 && image.size(1) == d, "geometry encoder image ",
                image.shape().str());
  const int64_t h = image.size(2), w = image.size(3), hw = h * w;
  // Seq-first image tokens [HW, d] as (non-contiguous) views of the NCHW maps.
  const Tensor feats = image.reshape({d, hw}).transpose(0, 1);
  const Tensor pos = image_pos.reshape({d, hw}).transpose(0, 1);

  std::vector<Tensor> seq;
  if (!points.empty() || !boxes.empty()) {
    // Pooling reads the LayerNorm-ed features back in NCHW: [1, d, H, W].
    const Tensor normed = img_pre_norm_(feats).transpose(0, 1).reshape({1, d, h, w});
    if (!points.empty()) seq.push_back(encode_points(normed, points));
    if (!boxes.empty()) seq.push_back(encode_boxes(normed, boxes));
  }
  seq.push_back(cls_embed_);  // the CLS token is appended even for text-only prompts
  // x: [L, d]  (L = 1 + n)
  Tensor x = seq.size() == 1 ? cls_embed_ : ops::concat(seq, 0);
  x = norm_(final_proj_(x));
  const int64_t len = x.size(0);
  x = x.reshape({1, len, d});
  const Tensor mask = Tensor::zeros({1, len}, DType::kU8, x.device());

  // The keys/values of the cross-attention (image + PE, image) do not depend on the prompt:
  // per-image caching of their projections would go here (see GroundingHead).
  const Tensor mem = feats.unsqueeze(0);                // [1, HW, d]
  const Tensor mem_k = ops::add(feats, pos).unsqueeze(0);  // [1, HW, d]
  for (const Layer& layer : layers_) {
    Tensor hdn = layer.norm1(x);
    ops::add_(x, layer.self_attn.forward(hdn, hdn, hdn, mask));
    hdn = layer.norm2(x);
    ops::add_(x, layer.cross_attn_image.forward(hdn, mem_k, mem));
    ops::add_(x, layer.ffn(layer.norm3(x)));
  }
  x = encode_norm_(x);

  GeometryTokens out;
  out.tokens = seq_first(x);
  out.padding_mask = mask;
  if (dump) {
    (*dump)["geometry_encoder.0"] = out.tokens;
    (*dump)["geometry_encoder.1"] = mask.to(DType::kF32);
  }
  return out;
}

}  // namespace sam3rt
