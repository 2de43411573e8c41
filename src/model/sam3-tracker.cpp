#include "model/sam3-tracker.h"

#include <algorithm>
#include <cmath>

#include "io/weight-specs.h"
#include "ops/ops.h"

namespace sam3rt {

namespace {

// ref: Sam3TrackerBase (build_tracker): multimask_output_in_sam, multimask_output_for_tracking,
// multimask_min_pt_num, multimask_max_pt_num — not in the checkpoint.
constexpr bool kMultimaskInSam = true;
constexpr bool kMultimaskForTracking = true;
constexpr int kMultimaskMinPoints = 0, kMultimaskMaxPoints = 1;
// ref: sigmoid_scale_for_mem_enc / sigmoid_bias_for_mem_enc
constexpr float kMemScale = 20.f, kMemBias = -10.f;

// [B, C, h, w] → [B, C, h, w] with 1 where x > 0, else 0. The memory encoder's binarisation; done
// on the host (B small masks), the result goes back to x's device.
Tensor binarize_positive(const Tensor& x) {
  const Tensor host = x.to(Device::cpu()).contiguous();
  Tensor out = Tensor::empty(host.shape());
  const float* s = host.data<float>();
  float* d = out.data<float>();
  for (int64_t i = 0; i < host.numel(); ++i) d[i] = s[i] > 0.f ? 1.f : 0.f;
  return out.to(x.device());
}

// Per-row choice: rows of `a` where keep[b], else rows of `b_rows` ([B, ...] both).
Tensor choose_rows(const std::vector<bool>& keep, const Tensor& a, const Tensor& b_rows) {
  std::vector<Tensor> rows;
  for (size_t b = 0; b < keep.size(); ++b)
    rows.push_back((keep[b] ? a : b_rows).narrow(0, static_cast<int64_t>(b), 1));
  return rows.size() == 1 ? rows[0].contiguous() : ops::concat(rows, 0);
}

std::vector<bool> positive(const Tensor& scores) {  // [B, 1] → score > 0 per row
  std::vector<bool> out;
  for (float v : scores.to(Device::cpu()).to_vector()) out.push_back(v > 0.f);
  return out;
}

Tensor to_i32(int64_t v) { return Tensor::from_vector_i32({1}, {static_cast<int32_t>(v)}); }

// [B, L, C] batch-first → [L, B, C] seq-first (the reference's layout in the dumps)
Tensor seq_first_layout(const Tensor& x) { return x.transpose(0, 1).contiguous(); }

}  // namespace

TrackerFrameOutput TrackerFrameOutput::slice(int64_t i) const {
  TrackerFrameOutput o;
  auto rows = [&](const Tensor& t) { return t.defined() ? t.narrow(0, i, 1) : Tensor(); };
  o.pred_masks = rows(pred_masks);
  o.pred_masks_video_res = rows(pred_masks_video_res);
  o.obj_ptr = rows(obj_ptr);
  o.object_score_logits = rows(object_score_logits);
  o.iou_score = rows(iou_score);
  o.eff_iou_score = eff_iou_score;
  o.maskmem_features = rows(maskmem_features);
  return o;
}

void TrackerDump::put(const std::string& name, const Tensor& t) const {
  if (dump && t.defined()) (*dump)[scope + "." + name] = t;
}

Sam3Tracker::Sam3Tracker(const Sam3Config& c, const WeightStore& w, TrackerOptions options)
    : config_(c),
      options_(options),
      device_(w.device()),
      heads_(std::make_unique<TrackerHeads>(c, w)),
      memory_encoder_(c, w, std::string(kTrackerPrefix) + "maskmem_backbone."),
      memory_attention_(c, w, std::string(kTrackerPrefix) + "transformer.encoder."),
      level_pos_(c.d_model, w.device()),
      memory_pos_(c.mem_dim, w.device()) {
  const std::string T = kTrackerPrefix;
  const int64_t d = c.d_model, mem = c.mem_dim;
  SAM3RT_CHECK(d % mem == 0, kFormat, "model configuration: d_model ", d, " must be a multiple of mem_dim ",
               mem, " (object pointers are split into d/mem memory tokens)");
  obj_ptr_proj_ = Mlp(w, T + "obj_ptr_proj.", d, d, d, 3);
  obj_ptr_tpos_proj_ = Linear(w, T + "obj_ptr_tpos_proj.", d, mem);
  mask_downsample_w_ = w.get(T + "mask_downsample.weight", {1, 1, 4, 4});
  mask_downsample_b_ = w.get(T + "mask_downsample.bias", {1});
  maskmem_tpos_enc_ = w.get(T + "maskmem_tpos_enc", {c.num_maskmem, 1, 1, mem});
  no_obj_ptr_ = w.get(T + "no_obj_ptr", {1, d});
  no_obj_embed_spatial_ = w.get(T + "no_obj_embed_spatial", {1, mem});
  no_mem_embed_ = w.get(T + "no_mem_embed", {1, 1, d});
}

Sam3Tracker::~Sam3Tracker() = default;

bool Sam3Tracker::use_multimask(bool is_init_cond_frame, const std::vector<SamPoint>* points) const {
  const int n = points ? static_cast<int>(points->size()) : 0;
  return kMultimaskInSam && (is_init_cond_frame || kMultimaskForTracking) && kMultimaskMinPoints <= n &&
         n <= kMultimaskMaxPoints;
}

// ref: Sam3TrackerBase._forward_sam_heads
Sam3Tracker::SamHeadsOutput Sam3Tracker::forward_sam_heads(const Tensor& backbone_features,
                                                           const TrackerImageFeatures& f, int B,
                                                           const std::vector<SamPoint>* points,
                                                           const Tensor& mask_inputs, bool multimask,
                                                           const TrackerDump& dump) const {
  const SamPromptEncoder& pe = heads_->prompt_encoder();
  const int64_t d = config_.d_model, m = low_res_size();
  // No points: one padding point (0, 0, label −1) per object.
  static const std::vector<SamPoint> kPadding = {SamPoint{0.f, 0.f, -1}};
  SAM3RT_ASSERT(!points || B == 1, "point prompts are given for one object at a time");
  Tensor sparse = pe.embed_points(points ? *points : kPadding);  // [1, T, d]
  sparse = sparse.expand({B, sparse.size(1), d});
  Tensor dense;
  if (mask_inputs.defined()) {
    Tensor prompt = mask_inputs;
    if (prompt.size(2) != m || prompt.size(3) != m)
      prompt = ops::interpolate_bilinear_antialias(prompt, static_cast<int>(m), static_cast<int>(m));
    std::vector<Tensor> rows;
    for (int b = 0; b < B; ++b) rows.push_back(pe.embed_mask(prompt.narrow(0, b, 1)));
    dense = B == 1 ? rows[0] : ops::concat(rows, 0);
  } else {
    dense = pe.no_mask_dense();
    dense = dense.expand({B, d, dense.size(2), dense.size(3)});
  }
  const auto batched = [&](const Tensor& t) { return t.expand({B, t.size(1), t.size(2), t.size(3)}); };
  const SamDecoderOutput dec = heads_->mask_decoder().forward(
      backbone_features, pe.dense_pe(), sparse, dense, batched(f.feat_s0), batched(f.feat_s1), multimask);
  SamHeadsOutput out;
  out.ious = dec.iou;                                 // [B, C]
  out.object_score_logits = dec.object_score_logits;  // [B, 1]
  const std::vector<bool> appear = positive(dec.object_score_logits);
  // Absent objects get NO_OBJ_SCORE everywhere (a hard choice for the memory).
  out.low_res_multimasks =
      choose_rows(appear, dec.masks, Tensor::full(dec.masks.shape(), kNoObjScore, dec.masks.device()));
  out.high_res_multimasks = ops::interpolate_bilinear(out.low_res_multimasks, image_size(), image_size());
  Tensor token;  // [B, d]
  if (multimask) {
    const std::vector<float> ious = dec.iou.to(Device::cpu()).to_vector();
    const int64_t C = dec.iou.size(1);
    std::vector<Tensor> low, high, tokens;
    for (int b = 0; b < B; ++b) {
      const auto first = ious.begin() + b * C;
      const int64_t best = std::max_element(first, first + C) - first;  // first maximum, as torch.argmax
      low.push_back(out.low_res_multimasks.narrow(0, b, 1).narrow(1, best, 1));
      high.push_back(out.high_res_multimasks.narrow(0, b, 1).narrow(1, best, 1));
      tokens.push_back(dec.tokens.narrow(0, b, 1).select(1, dec.tokens.size(1) > 1 ? best : 0));
    }
    out.low_res_masks = ops::concat(low, 0);
    out.high_res_masks = ops::concat(high, 0);
    token = ops::concat(tokens, 0);
  } else {
    out.low_res_masks = out.low_res_multimasks;
    out.high_res_masks = out.high_res_multimasks;
    token = dec.tokens.select(1, 0);
  }
  const Tensor ptr = obj_ptr_proj_(token);  // [B, d]
  out.obj_ptr = choose_rows(appear, ptr, no_obj_ptr_.expand({B, d}));
  dump.put("sam.ious", out.ious);
  dump.put("sam.low_res_masks", out.low_res_masks);
  dump.put("sam.obj_ptr", out.obj_ptr);
  dump.put("sam.object_score_logits", out.object_score_logits);
  return out;
}

// ref: Sam3TrackerBase._use_mask_as_output
Sam3Tracker::SamHeadsOutput Sam3Tracker::use_mask_as_output(const TrackerImageFeatures& f, int B,
                                                            const Tensor& mask_inputs,
                                                            const TrackerDump& dump) const {
  const int64_t d = config_.d_model;
  SamHeadsOutput out;
  out.high_res_masks = ops::add_scalar(ops::mul_scalar(mask_inputs, kMemScale), kMemBias);  // ±10
  const int stride = config_.patch_size;
  const int lh = static_cast<int>(mask_inputs.size(2)) / stride * 4,
            lw = static_cast<int>(mask_inputs.size(3)) / stride * 4;
  out.low_res_masks = ops::interpolate_bilinear_antialias(out.high_res_masks, lh, lw);
  out.ious = Tensor::full({B, 1}, 1.f, mask_inputs.device());
  const Tensor level2 = f.level2.expand({B, d, f.level2.size(2), f.level2.size(3)});
  const Tensor downsampled = ops::conv2d(mask_inputs, mask_downsample_w_, mask_downsample_b_, 4, 4, 0, 0);
  const SamHeadsOutput sam = forward_sam_heads(level2, f, B, nullptr, downsampled, false, dump);
  // The mask, not the decoder, says whether the object is there.
  std::vector<bool> appear;
  const Tensor host = mask_inputs.to(Device::cpu()).contiguous();
  const int64_t per = host.numel() / B;
  for (int b = 0; b < B; ++b) {
    const float* p = host.data<float>() + b * per;
    appear.push_back(std::any_of(p, p + per, [](float v) { return v > 0.f; }));
  }
  std::vector<float> scores;
  for (bool a : appear) scores.push_back(a ? kMemScale + kMemBias : kMemBias);
  out.object_score_logits = Tensor::from_vector({B, 1}, scores).to(mask_inputs.device());
  out.obj_ptr = choose_rows(appear, sam.obj_ptr, no_obj_ptr_.expand({B, d}));
  out.low_res_multimasks = out.low_res_masks;
  out.high_res_multimasks = out.high_res_masks;
  return out;
}

// ref: Sam3TrackerBase.frame_filter
std::vector<int> Sam3Tracker::frame_filter(const TrackerMemoryBank& memory, bool reverse, int frame,
                                           int num_frames) const {
  if ((frame == 0 && !reverse) || (frame == num_frames - 1 && reverse)) return {};
  const int max_num = std::min(num_frames, config_.max_obj_ptrs);
  std::vector<int> valid;
  const int step = reverse ? 1 : -1, must_include = frame + step;
  for (int i = frame + step; reverse ? i < num_frames : i > 0; i += step) {
    auto it = memory.non_cond.find(i);
    if (it == memory.non_cond.end() || !it->second.eff_iou_score) continue;
    if (*it->second.eff_iou_score > options_.mf_threshold) valid.insert(valid.begin(), i);
    if (static_cast<int>(valid.size()) >= max_num - 1) break;
  }
  if (std::find(valid.begin(), valid.end(), must_include) == valid.end()) valid.push_back(must_include);
  return valid;
}

// ref: Sam3TrackerBase._get_tpos_enc + sam3/model/sam3_tracker_utils.py get_1d_sine_pe
Tensor Sam3Tracker::pointer_position_encoding(const std::vector<int>& positions, int max_abs_pos) const {
  const int dim = config_.d_model, half = dim / 2;
  // The reference divides by max_abs_pos − 1, which is 0 for a one-frame video (NaN there); a
  // one-frame video has only position 0, so it is encoded as 0 here.
  const float t_diff_max = static_cast<float>(max_abs_pos - 1);
  std::vector<float> pe(positions.size() * dim);
  for (size_t p = 0; p < positions.size(); ++p) {
    const float pos = t_diff_max > 0.f ? static_cast<float>(positions[p]) / t_diff_max : 0.f;
    for (int i = 0; i < half; ++i) {
      const float exponent = 2.f * std::floor(static_cast<float>(i) / 2.f) / static_cast<float>(half);
      const float v = pos / std::pow(10000.f, exponent);
      pe[p * dim + i] = std::sin(v);
      pe[p * dim + half + i] = std::cos(v);
    }
  }
  const Tensor t =
      Tensor::from_vector({static_cast<int64_t>(positions.size()), dim}, pe).to(no_obj_ptr_.device());
  return obj_ptr_tpos_proj_(t);  // [P, mem]
}

namespace {

// ref: sam3/model/sam3_tracker_utils.py select_closest_cond_frames (keep_first_cond_frame False):
// the selected frames in the reference's insertion order, and the rest.
void select_closest_cond_frames(int frame, const std::map<int, TrackerFrameOutput>& cond, int max_num,
                                std::vector<int>* selected, std::vector<int>* unselected) {
  std::vector<int> all;
  for (const auto& [t, out] : cond) all.push_back(t);
  if (max_num == -1 || static_cast<int>(all.size()) <= max_num) {
    *selected = all;
    return;
  }
  int before = -1, after = -1;
  for (int t : all) {
    if (t < frame) before = t;
    if (t >= frame && after < 0) after = t;
  }
  if (before >= 0) selected->push_back(before);
  if (after >= 0) selected->push_back(after);
  std::vector<int> rest;
  for (int t : all)
    if (t != before && t != after) rest.push_back(t);
  std::stable_sort(rest.begin(), rest.end(),
                   [&](int a, int b) { return std::abs(a - frame) < std::abs(b - frame); });
  const size_t remain = static_cast<size_t>(max_num) - selected->size();
  for (size_t i = 0; i < rest.size(); ++i) (i < remain ? selected : unselected)->push_back(rest[i]);
}

}  // namespace

// ref: Sam3TrackerBase._prepare_memory_conditioned_features
Tensor Sam3Tracker::memory_conditioned_features(const TrackerImageFeatures& f, const TrackStepArgs& a,
                                                const TrackerDump& dump) const {
  const int B = a.batch;
  const int64_t d = config_.d_model, mem = config_.mem_dim, g = f.level2.size(2), HW = g * f.level2.size(3);
  const Tensor level2 = f.level2.expand({B, d, g, f.level2.size(3)});
  if (a.is_init_cond_frame || !a.use_prev_mem_frame)
    return ops::add(level2, no_mem_embed_.reshape({1, d, 1, 1}));  // no memory: + no_mem_embed

  SAM3RT_ASSERT(a.memory && !a.memory->cond.empty(), "tracking needs at least one conditioning frame");
  const TrackerMemoryBank& bank = *a.memory;
  std::vector<int> selected, unselected_frames;
  select_closest_cond_frames(a.frame, bank.cond, config_.max_cond_frames, &selected, &unselected_frames);
  auto unselected = [&](int t) -> const TrackerFrameOutput* {
    if (std::find(unselected_frames.begin(), unselected_frames.end(), t) == unselected_frames.end())
      return nullptr;
    return &bank.cond.at(t);
  };
  auto non_cond_or_unselected = [&](int t) -> const TrackerFrameOutput* {
    auto it = bank.non_cond.find(t);
    return it != bank.non_cond.end() ? &it->second : unselected(t);
  };
  const int sign = a.reverse ? -1 : 1;

  // Spatial memories: selected conditioning frames (temporal slot 0), then up to num_maskmem − 1
  // recent frames (oldest first).
  struct Entry {
    int t_pos;
    const TrackerFrameOutput* out;
    bool is_cond;
  };
  std::vector<Entry> entries;
  for (int t : selected) entries.push_back({(a.frame - t) * sign, &bank.cond.at(t), true});
  std::vector<int> valid;
  if (options_.use_memory_selection) valid = frame_filter(bank, a.reverse, a.frame, a.num_frames);
  for (int t_pos = 1; t_pos < config_.num_maskmem; ++t_pos) {
    const int t_rel = config_.num_maskmem - t_pos;
    int prev;
    if (options_.use_memory_selection) {
      if (t_rel > static_cast<int>(valid.size())) continue;
      prev = valid[valid.size() - t_rel];
    } else {
      prev = a.reverse ? a.frame + t_rel : a.frame - t_rel;  // memory_temporal_stride_for_eval = 1
    }
    entries.push_back({t_pos, non_cond_or_unselected(prev), false});
  }
  const Tensor mem_pos = memory_pos_.get(static_cast<int>(g), static_cast<int>(f.level2.size(3)))
                             .reshape({1, mem, HW})
                             .transpose(1, 2);  // [1, HW, mem]
  std::vector<Tensor> tokens, positions;
  for (const Entry& e : entries) {
    if (!e.out) continue;
    SAM3RT_ASSERT(e.out->maskmem_features.defined(), "a memory frame without memory features");
    tokens.push_back(e.out->maskmem_features.reshape({B, mem, HW}).transpose(1, 2));  // [B, HW, mem]
    const int t = e.is_cond ? 0 : e.t_pos;
    const Tensor tpos = maskmem_tpos_enc_.select(0, config_.num_maskmem - t - 1).reshape({1, 1, mem});
    positions.push_back(ops::add(mem_pos, tpos).expand({B, HW, mem}));
  }

  // Object pointers: selected conditioning frames not in the future, then recent frames.
  const int max_ptrs = std::min(a.num_frames, config_.max_obj_ptrs);
  std::vector<int> ptr_pos;
  std::vector<Tensor> ptrs;
  for (int t : selected)
    if (a.reverse ? t >= a.frame : t <= a.frame) {
      ptr_pos.push_back((a.frame - t) * sign);
      ptrs.push_back(bank.cond.at(t).obj_ptr);
    }
  for (int t_diff = 1; t_diff < max_ptrs; ++t_diff) {
    int t;
    if (!options_.use_memory_selection) {
      t = a.reverse ? a.frame + t_diff : a.frame - t_diff;
      if (t < 0 || t >= a.num_frames) break;
    } else {
      if (t_diff >= static_cast<int>(valid.size())) break;
      t = valid[valid.size() - t_diff];
    }
    if (const TrackerFrameOutput* out = non_cond_or_unselected(t)) {
      ptr_pos.push_back(t_diff);
      ptrs.push_back(out->obj_ptr);
    }
  }
  int64_t n_ptr_tokens = 0;
  if (!ptrs.empty()) {
    const int64_t P = static_cast<int64_t>(ptrs.size()), k = d / mem;
    std::vector<Tensor> rows;
    for (const Tensor& p : ptrs) rows.push_back(p.unsqueeze(1));  // [B, 1, d]
    // [B, P, d] → [B, P·k, mem]: each pointer split into k tokens of mem channels
    tokens.push_back(ops::concat(rows, 1).reshape({B, P * k, mem}));
    const Tensor pos = pointer_position_encoding(ptr_pos, max_ptrs);  // [P, mem]
    positions.push_back(
        pos.unsqueeze(1).expand({P, k, mem}).reshape({1, P * k, mem}).expand({B, P * k, mem}));
    n_ptr_tokens = P * k;
  }
  const Tensor memory = ops::concat(tokens, 1), memory_pos = ops::concat(positions, 1);  // [B, L, mem]
  dump.put("memory_len", to_i32(memory.size(1)));
  dump.put("num_obj_ptr_tokens", to_i32(n_ptr_tokens));
  if (n_ptr_tokens > 0) {
    const int64_t L = memory.size(1);
    dump.put("memory_ptr", seq_first_layout(memory.narrow(1, L - n_ptr_tokens, n_ptr_tokens)));
    dump.put("memory_ptr_pos", seq_first_layout(memory_pos.narrow(1, L - n_ptr_tokens, n_ptr_tokens)));
  }
  const Tensor src_pos = level_pos_.get(static_cast<int>(g), static_cast<int>(f.level2.size(3)));
  const Tensor out = memory_attention_.forward(level2, src_pos, memory, memory_pos, n_ptr_tokens);
  dump.put("memory_attention", seq_first_layout(out.reshape({B, d, HW}).transpose(1, 2)));
  return out;
}

// ref: Sam3TrackerBase._encode_new_memory
Tensor Sam3Tracker::encode_new_memory(const TrackerImageFeatures& f, const Tensor& high_res_masks,
                                      const Tensor& object_score_logits, bool is_mask_from_pts) const {
  const int64_t B = high_res_masks.size(0), d = config_.d_model, mem = config_.mem_dim;
  const Tensor pix = f.level2.expand({B, d, f.level2.size(2), f.level2.size(3)});
  Tensor m = is_mask_from_pts ? binarize_positive(high_res_masks) : ops::sigmoid(high_res_masks);
  m = ops::add_scalar(ops::mul_scalar(m, kMemScale), kMemBias);
  Tensor features = memory_encoder_.forward(pix, m);  // [B, mem, g, g]
  // + no_obj_embed_spatial where the object is absent (score ≤ 0)
  const std::vector<bool> appear = positive(object_score_logits);
  const Tensor absent = ops::add(features, no_obj_embed_spatial_.reshape({1, mem, 1, 1}));
  return choose_rows(appear, features, absent);
}

float Sam3Tracker::memory_score(const Tensor& object_score_logits, const Tensor& iou_score) {
  const std::vector<float> scores = object_score_logits.to(Device::cpu()).to_vector();
  const std::vector<float> ious = iou_score.to(Device::cpu()).to_vector();
  std::vector<float> norm;
  for (float s : scores) norm.push_back(s > 0.f ? 1.f / (1.f + std::exp(-s)) * 2.f - 1.f : 0.f);
  double sum = 0;
  if (iou_score.dim() == 1) {  // [B, 1] × [B]: every pair
    for (float s : norm)
      for (float i : ious) sum += static_cast<double>(s * i);
    return static_cast<float>(sum / static_cast<double>(norm.size() * ious.size()));
  }
  for (size_t i = 0; i < norm.size(); ++i) sum += static_cast<double>(norm[i] * ious[i]);
  return static_cast<float>(sum / static_cast<double>(norm.size()));
}

Tensor Sam3Tracker::apply_non_overlapping_constraints(const Tensor& masks) {
  const int64_t B = masks.size(0);
  if (B == 1) return masks;
  const Tensor host = masks.to(Device::cpu()).contiguous();
  Tensor out = Tensor::empty(host.shape());
  const int64_t n = host.numel() / B;
  const float* s = host.data<float>();
  float* o = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;  // torch.argmax: the first maximum
    for (int64_t b = 1; b < B; ++b)
      if (s[b * n + i] > s[best * n + i]) best = b;
    for (int64_t b = 0; b < B; ++b) o[b * n + i] = b == best ? s[b * n + i] : std::min(s[b * n + i], -10.f);
  }
  return out.to(masks.device());
}

// ref: Sam3TrackerBase.track_step
TrackStepResult Sam3Tracker::track_step(const TrackerImageFeatures& f, const TrackStepArgs& a,
                                        const TrackerDump& dump) const {
  dump.put("is_init_cond_frame", to_i32(a.is_init_cond_frame ? 1 : 0));
  SamHeadsOutput sam;
  if (a.mask_inputs.defined()) {
    sam = use_mask_as_output(f, a.batch, a.mask_inputs, dump);
  } else {
    const Tensor pix = memory_conditioned_features(f, a, dump);
    sam = forward_sam_heads(pix, f, a.batch, a.points, a.prev_sam_mask_logits,
                            use_multimask(a.is_init_cond_frame, a.points), dump);
  }
  TrackStepResult r;
  r.out.pred_masks = sam.low_res_masks;
  r.high_res_masks = sam.high_res_masks;
  r.out.obj_ptr = sam.obj_ptr;
  r.out.object_score_logits = sam.object_score_logits;
  if (options_.use_memory_selection) {
    const std::vector<float> ious = sam.ious.to(Device::cpu()).to_vector();
    const int64_t B = a.batch, C = sam.ious.size(1);
    std::vector<float> best(B);
    for (int64_t b = 0; b < B; ++b)
      best[b] = *std::max_element(ious.begin() + b * C, ious.begin() + (b + 1) * C);
    r.out.iou_score = Tensor::from_vector({B}, best).to(sam.ious.device());
    r.out.eff_iou_score = memory_score(sam.object_score_logits, r.out.iou_score);
  }
  if (a.run_mem_encoder && config_.num_maskmem > 0)
    r.out.maskmem_features =
        encode_new_memory(f, r.high_res_masks, r.out.object_score_logits, a.points != nullptr);
  dump.put("out.obj_ptr", r.out.obj_ptr);
  dump.put("out.object_score_logits", r.out.object_score_logits);
  dump.put("out.iou_score", r.out.iou_score);
  if (r.out.eff_iou_score) dump.put("out.eff_iou_score", Tensor::from_vector({}, {*r.out.eff_iou_score}));
  dump.put("out.maskmem_features", r.out.maskmem_features);
  return r;
}

}  // namespace sam3rt
