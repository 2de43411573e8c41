#include "pipeline/video-tracker.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/ops.h"

namespace sam3rt::pipeline {

namespace {
// ref: Sam3TrackerPredictor max_point_num_in_prompt_enc: more points → the first 8 and the last 8
constexpr int kMaxPromptPoints = 16;
// ref: Sam3TrackerPredictor (build_tracker): clear_non_cond_mem_around_input=True,
// clear_non_cond_mem_for_multi_obj=False, memory_temporal_stride_for_eval=1
constexpr bool kClearNonCondMemAroundInput = true;

// rows [i, i+1) of dst (a fresh [B, ...] tensor on the host or device) ← src [1, ...]
Tensor set_row(const Tensor& dst, int64_t i, const Tensor& src) {
  std::vector<Tensor> parts;
  if (i > 0) parts.push_back(dst.narrow(0, 0, i));
  parts.push_back(src.reshape(dst.narrow(0, i, 1).shape()));
  if (i + 1 < dst.size(0)) parts.push_back(dst.narrow(0, i + 1, dst.size(0) - i - 1));
  return parts.size() == 1 ? parts[0].contiguous() : ops::concat(parts, 0);
}
}  // namespace

VideoTracker::VideoTracker(const Sam3Tracker& model, FeatureProvider features, int num_frames,
                           int video_width, int video_height)
    : model_(model),
      provider_(std::move(features)),
      num_frames_(num_frames),
      width_(video_width),
      height_(video_height) {
  SAM3RT_CHECK(num_frames > 0, kInvalidArgument, "video tracker: the video has no frames");
  SAM3RT_CHECK(video_width > 0 && video_height > 0, kInvalidArgument, "video tracker: bad video size ",
               video_width, "x", video_height);
}

void VideoTracker::set_dump(TensorDump* dump, const std::string& prefix) {
  dump_ = dump;
  dump_prefix_ = prefix;
  dump_counts_.clear();
}

TrackerDump VideoTracker::scope(int frame, const char* kind) {
  TrackerDump d;
  if (!dump_) return d;
  const std::string base = dump_prefix_ + ".f" + std::to_string(frame) + "." + kind;
  d.dump = dump_;
  d.scope = base + std::to_string(dump_counts_[base]++);
  return d;
}

int VideoTracker::object_index(int obj_id, bool create) {
  auto it = std::find(obj_ids_.begin(), obj_ids_.end(), obj_id);
  if (it != obj_ids_.end()) return static_cast<int>(it - obj_ids_.begin());
  SAM3RT_CHECK(create, kInvalidArgument, "unknown object id ", obj_id);
  SAM3RT_CHECK(!tracking_started_, kInvalidArgument, "cannot add new object id ", obj_id,
               " after tracking starts; reset the session first (objects: ", obj_ids_.size(), ")");
  obj_ids_.push_back(obj_id);
  objects_.emplace_back();
  return static_cast<int>(obj_ids_.size()) - 1;
}

TrackerImageFeatures VideoTracker::features(int frame) {
  if (frame != cached_frame_) {
    cached_features_ = provider_(frame);
    cached_frame_ = frame;
  }
  return cached_features_;
}

TrackerFrameOutput VideoTracker::run_single_frame(const TrackerMemoryBank& memory, int frame, int batch,
                                                  bool is_init_cond_frame,
                                                  const std::vector<SamPoint>* points,
                                                  const Tensor& mask_inputs, bool reverse,
                                                  bool run_mem_encoder, const Tensor& prev_logits,
                                                  bool use_prev_mem_frame) {
  TrackStepArgs a;
  a.frame = frame;
  a.is_init_cond_frame = is_init_cond_frame;
  a.points = points;
  a.mask_inputs = mask_inputs;
  a.memory = &memory;
  a.num_frames = num_frames_;
  a.reverse = reverse;
  a.run_mem_encoder = run_mem_encoder;
  a.prev_sam_mask_logits = prev_logits;
  a.use_prev_mem_frame = use_prev_mem_frame;
  a.batch = batch;
  const TrackerImageFeatures f = features(frame);
  return model_.track_step(f, a, scope(frame, "track")).out;
}

// ref: Sam3TrackerPredictor.add_new_points_or_box
Tensor VideoTracker::add_points(int frame, int obj_id, const std::vector<VideoClick>& clicks,
                                const std::optional<std::array<float, 4>>& box, bool clear_old_points) {
  SAM3RT_CHECK(frame >= 0 && frame < num_frames_, kInvalidArgument, "prompt on frame ", frame,
               " but the video has ", num_frames_, " frames (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(!clicks.empty() || box, kInvalidArgument, "at least one of points or box must be given");
  SAM3RT_CHECK(!box || clear_old_points, kInvalidArgument,
               "a box replaces the frame's prompt: it cannot be added to old points");
  for (const VideoClick& c : clicks) {
    SAM3RT_CHECK(std::isfinite(c.x) && std::isfinite(c.y), kInvalidArgument,
                 "click coordinates must be finite");
    SAM3RT_CHECK(c.label >= -1 && c.label <= 3, kInvalidArgument, "click label must be in -1..3, got ",
                 c.label);
  }
  const int obj_idx = object_index(obj_id, true);
  ObjectState& obj = objects_[obj_idx];
  // Video pixels → relative → model frame, in float32 as the reference (rel_coordinates=True).
  const float S = static_cast<float>(model_.image_size());
  const float W = static_cast<float>(width_), H = static_cast<float>(height_);
  std::vector<SamPoint> points;
  if (box) {
    SAM3RT_CHECK(std::isfinite((*box)[0]) && std::isfinite((*box)[1]) && std::isfinite((*box)[2]) &&
                     std::isfinite((*box)[3]),
                 kInvalidArgument, "box coordinates must be finite");
    points.push_back({(*box)[0] / W * S, (*box)[1] / H * S, 2});
    points.push_back({(*box)[2] / W * S, (*box)[3] / H * S, 3});
  }
  for (const VideoClick& c : clicks) points.push_back({c.x / W * S, c.y / H * S, c.label});
  if (!clear_old_points) {
    auto old = obj.points.find(frame);
    if (old != obj.points.end()) points.insert(points.begin(), old->second.begin(), old->second.end());
  }
  if (static_cast<int>(points.size()) > kMaxPromptPoints) {
    const int first = kMaxPromptPoints / 2, last = kMaxPromptPoints - first;
    std::vector<SamPoint> kept(points.begin(), points.begin() + first);
    kept.insert(kept.end(), points.end() - last, points.end());
    points = kept;
  }
  obj.points[frame] = points;
  obj.mask_frames.erase(frame);

  const bool is_init_cond_frame = frames_tracked_.count(frame) == 0;
  const bool reverse = is_init_cond_frame ? false : frames_tracked_[frame];
  // Every frame with prompts becomes a conditioning frame (add_all_frames_to_correct_as_cond).
  Tensor prev_logits;  // iter_use_prev_mask_pred: the object's latest logits on this frame
  const TrackerFrameOutput* prev = nullptr;
  if (auto it = obj.temp.cond.find(frame); it != obj.temp.cond.end())
    prev = &it->second;
  else if (auto c = obj.outputs.cond.find(frame); c != obj.outputs.cond.end())
    prev = &c->second;
  else if (auto n = obj.outputs.non_cond.find(frame); n != obj.outputs.non_cond.end())
    prev = &n->second;
  if (prev && prev->pred_masks.defined()) prev_logits = ops::clamp(prev->pred_masks, -32.f, 32.f);
  // Clicks do not read the memory (add_new_points_or_box's use_prev_mem_frame=False); the memory
  // encoder runs at propagation, after all prompts (run_mem_encoder=False).
  const std::vector<SamPoint> prompt = obj.points[frame];
  obj.temp.cond[frame] = run_single_frame(obj.outputs, frame, 1, is_init_cond_frame, &prompt, Tensor(),
                                          reverse, false, prev_logits, false);
  return video_res(consolidate(frame, true, false, true).pred_masks_video_res);
}

// ref: Sam3TrackerPredictor.add_new_mask
Tensor VideoTracker::add_mask(int frame, int obj_id, const Tensor& mask) {
  SAM3RT_CHECK(frame >= 0 && frame < num_frames_, kInvalidArgument, "prompt on frame ", frame,
               " but the video has ", num_frames_, " frames (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(mask.defined() && mask.dim() == 2 && mask.size(0) > 0 && mask.size(1) > 0, kInvalidArgument,
               "a mask prompt must be a 2-D [H, W] mask");
  const int obj_idx = object_index(obj_id, true);
  ObjectState& obj = objects_[obj_idx];
  const Device device = model_.device();
  const Tensor orig = mask.to(DType::kF32).to(device).reshape({1, 1, mask.size(0), mask.size(1)});
  const int m = model_.input_mask_size();
  const Tensor inputs =
      (orig.size(2) != m || orig.size(3) != m) ? ops::interpolate_bilinear_antialias(orig, m, m) : orig;
  Tensor at_video = (orig.size(2) != height_ || orig.size(3) != width_)
                        ? ops::interpolate_bilinear_antialias(orig, height_, width_)
                        : orig;
  // > 0.5 → ±1024 (NO_OBJ_SCORE) at video resolution: the prompt itself is the output
  const Tensor host = at_video.to(Device::cpu()).contiguous();
  std::vector<float> logits(static_cast<size_t>(host.numel()));
  std::vector<bool> inside(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    inside[i] = host.data<float>()[i] > 0.5f;
    logits[i] = inside[i] ? -Sam3Tracker::kNoObjScore : Sam3Tracker::kNoObjScore;
  }
  obj.mask_frames.insert(frame);
  obj.points.erase(frame);

  const bool is_init_cond_frame = frames_tracked_.count(frame) == 0;
  const bool reverse = is_init_cond_frame ? false : frames_tracked_[frame];
  TrackerFrameOutput out = run_single_frame(obj.outputs, frame, 1, is_init_cond_frame, nullptr, inputs,
                                            reverse, false, Tensor(), true);
  out.pred_masks = Tensor();
  out.pred_masks_video_res = Tensor::from_vector({1, 1, height_, width_}, logits).to(device);
  obj.temp.cond[frame] = out;
  // This mask takes its pixels from the other objects' mask prompts on the frame.
  for (size_t j = 0; j < objects_.size(); ++j) {
    if (static_cast<int>(j) == obj_idx) continue;
    auto it = objects_[j].temp.cond.find(frame);
    if (it == objects_[j].temp.cond.end() || !it->second.pred_masks_video_res.defined()) continue;
    const Tensor other = it->second.pred_masks_video_res.to(Device::cpu()).contiguous();
    std::vector<float> v = other.to_vector();
    for (size_t i = 0; i < v.size(); ++i)
      if (inside[i]) v[i] = Sam3Tracker::kNoObjScore;
    it->second.pred_masks_video_res = Tensor::from_vector(other.shape(), v).to(device);
  }
  return video_res(consolidate(frame, true, false, true).pred_masks_video_res);
}

Tensor VideoTracker::video_res(const Tensor& masks) const {
  if (masks.size(2) == height_ && masks.size(3) == width_) return masks;
  return ops::interpolate_bilinear(masks, height_,
                                   width_);  // non_overlap_masks_for_output off, no hole filling
}

Tensor VideoTracker::empty_mask_pointer(int frame) {
  // ref: _get_empty_mask_ptr: an empty S×S mask through _use_mask_as_output, no memory.
  const int S = model_.image_size();
  const Tensor empty = Tensor::zeros({1, 1, S, S}, DType::kF32, model_.device());
  static const TrackerMemoryBank kNoMemory;
  return run_single_frame(kNoMemory, frame, 1, true, nullptr, empty, false, false, Tensor(), true).obj_ptr;
}

// ref: Sam3TrackerPredictor._consolidate_temp_output_across_obj
TrackerFrameOutput VideoTracker::consolidate(int frame, bool is_cond, bool run_mem_encoder,
                                             bool at_video_res) {
  const int B = static_cast<int>(objects_.size());
  const Device device = model_.device();
  const int64_t d = model_.config().d_model;
  const int h = at_video_res ? height_ : model_.low_res_size(),
            w = at_video_res ? width_ : model_.low_res_size();
  Tensor masks = Tensor::full({B, 1, h, w}, Sam3Tracker::kNoObjScore, device);
  Tensor ptrs = Tensor::full({B, d}, Sam3Tracker::kNoObjScore, device);
  Tensor scores = Tensor::full({B, 1}, 10.f, device);  // missing objects count as present
  Tensor ious = Tensor::zeros({B, 1}, DType::kF32, device);
  Tensor empty_ptr;
  for (int i = 0; i < B; ++i) {
    ObjectState& obj = objects_[i];
    const TrackerFrameOutput* out = nullptr;
    const auto& temp = is_cond ? obj.temp.cond : obj.temp.non_cond;
    if (auto it = temp.find(frame); it != temp.end())
      out = &it->second;
    else if (auto c = obj.outputs.cond.find(frame); c != obj.outputs.cond.end())
      out = &c->second;
    else if (auto n = obj.outputs.non_cond.find(frame); n != obj.outputs.non_cond.end())
      out = &n->second;
    if (!out) {
      if (run_mem_encoder) {
        if (!empty_ptr.defined()) empty_ptr = empty_mask_pointer(frame);
        ptrs = set_row(ptrs, i, empty_ptr);
      }
      continue;
    }
    const bool video_res_mask = out->pred_masks_video_res.defined();
    Tensor m = video_res_mask ? out->pred_masks_video_res : out->pred_masks;
    if (m.size(2) != h || m.size(3) != w)
      m = video_res_mask ? ops::interpolate_bilinear_antialias(m, h, w) : ops::interpolate_bilinear(m, h, w);
    masks = set_row(masks, i, m);
    ptrs = set_row(ptrs, i, out->obj_ptr);
    scores = set_row(scores, i, out->object_score_logits);
    if (model_.options().use_memory_selection && out->iou_score.defined())
      ious = set_row(ious, i, out->iou_score);
  }
  TrackerFrameOutput c;
  (at_video_res ? c.pred_masks_video_res : c.pred_masks) = masks;
  c.obj_ptr = ptrs;
  c.object_score_logits = scores;
  if (model_.options().use_memory_selection) c.iou_score = ious;  // [B, 1], as the reference's
  if (run_mem_encoder) {
    const int S = model_.image_size();
    const Tensor high =
        Sam3Tracker::apply_non_overlapping_constraints(ops::interpolate_bilinear(masks, S, S));
    // ref: _run_memory_encoder (these frames are what the user prompted: binarised masks)
    const TrackerDump dump = scope(frame, "memenc");
    dump.put("object_score_logits", scores);
    c.maskmem_features = model_.encode_new_memory(features(frame), high, scores, true);
    dump.put("maskmem_features", c.maskmem_features);
  }
  return c;
}

void VideoTracker::add_output_per_object(int frame, const TrackerFrameOutput& out, bool cond) {
  for (size_t i = 0; i < objects_.size(); ++i) {
    TrackerFrameOutput slice = out.slice(static_cast<int64_t>(i));
    (cond ? objects_[i].outputs.cond : objects_[i].outputs.non_cond)[frame] = slice;
  }
}

void VideoTracker::clear_non_cond_mem_around_input(int frame) {
  const int n = model_.config().num_maskmem;
  for (ObjectState& obj : objects_)
    for (int t = frame - n; t <= frame + n; ++t) obj.outputs.non_cond.erase(t);
}

// ref: Sam3TrackerPredictor.propagate_in_video_preflight
void VideoTracker::preflight() {
  tracking_started_ = true;
  const bool clear_around = kClearNonCondMemAroundInput && objects_.size() <= 1;
  for (bool is_cond : {false, true}) {
    std::set<int> frames;
    for (const ObjectState& obj : objects_)
      for (const auto& [f, out] : is_cond ? obj.temp.cond : obj.temp.non_cond) frames.insert(f);
    (is_cond ? consolidated_cond_ : consolidated_non_cond_).insert(frames.begin(), frames.end());
    for (int f : frames) {
      TrackerFrameOutput c = consolidate(f, is_cond, true, false);
      (is_cond ? outputs_.cond : outputs_.non_cond)[f] = c;
      add_output_per_object(f, c, is_cond);
      if (clear_around) clear_non_cond_mem_around_input(f);
    }
    for (ObjectState& obj : objects_) (is_cond ? obj.temp.cond : obj.temp.non_cond).clear();
  }
  for (const auto& [f, out] : outputs_.cond) outputs_.non_cond.erase(f);
  for (ObjectState& obj : objects_)
    for (const auto& [f, out] : obj.outputs.cond) obj.outputs.non_cond.erase(f);
  for (int f : consolidated_cond_) consolidated_non_cond_.erase(f);
  std::set<int> input_frames;
  for (const ObjectState& obj : objects_) {
    for (const auto& [f, p] : obj.points) input_frames.insert(f);
    input_frames.insert(obj.mask_frames.begin(), obj.mask_frames.end());
  }
  std::set<int> consolidated = consolidated_cond_;
  consolidated.insert(consolidated_non_cond_.begin(), consolidated_non_cond_.end());
  SAM3RT_ASSERT(consolidated == input_frames, "the consolidated frames are the prompted frames");
  if (!first_ann_frame_ && !input_frames.empty()) first_ann_frame_ = *input_frames.begin();
  if (first_ann_frame_ && !outputs_.cond.count(*first_ann_frame_))
    first_ann_frame_ =
        outputs_.cond.empty() ? std::nullopt : std::optional<int>(outputs_.cond.begin()->first);
}

// ref: Sam3TrackerPredictor.propagate_in_video (with propagate_preflight)
void VideoTracker::propagate(std::optional<int> start, std::optional<int> max_frames, bool reverse,
                             const std::function<void(const TrackedFrame&)>& on_frame,
                             bool then_backward_from_before_start) {
  SAM3RT_CHECK(!objects_.empty(), kInvalidArgument, "nothing to track: add points, a box or a mask first");
  preflight();
  SAM3RT_CHECK(!outputs_.cond.empty(), kInvalidArgument,
               "nothing to track: add points, a box or a mask first");
  SAM3RT_CHECK(!start || (*start >= 0 && *start < num_frames_), kInvalidArgument, "start frame ",
               start.value_or(0), " is outside the video (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(!max_frames || *max_frames >= 0, kInvalidArgument, "the frame limit must not be negative");
  const int B = static_cast<int>(objects_.size());
  const bool clear_around = kClearNonCondMemAroundInput && B <= 1;
  const int first = start ? *start : outputs_.cond.begin()->first;
  const int limit = max_frames ? *max_frames : num_frames_;
  std::vector<int> order;
  if (reverse) {
    const int end = std::max(first - limit, 0);
    if (first > 0)
      for (int f = first; f >= end; --f) order.push_back(f);
    else
      order.push_back(0);
  } else {
    const int end = std::min(first + limit, num_frames_ - 1);
    for (int f = first; f <= end; ++f) order.push_back(f);
  }
  for (int f : order) {
    TrackerFrameOutput out;
    bool cond = false;
    if (consolidated_cond_.count(f)) {
      out = outputs_.cond.at(f);
      cond = true;
      if (clear_around) clear_non_cond_mem_around_input(f);
    } else if (consolidated_non_cond_.count(f)) {
      out = outputs_.non_cond.at(f);
    } else {
      out = run_single_frame(outputs_, f, B, false, nullptr, Tensor(), reverse, true, Tensor(), true);
      outputs_.non_cond[f] = out;
    }
    add_output_per_object(f, out, cond);
    frames_tracked_[f] = reverse;
    TrackedFrame tf;
    tf.frame = f;
    tf.object_ids = obj_ids_;
    tf.low_res_masks = out.pred_masks;
    tf.video_res_masks = video_res(out.pred_masks);
    tf.object_score_logits = out.object_score_logits;
    on_frame(tf);
    if (bounded_memory_) evict(f, reverse, then_backward_from_before_start && !reverse ? first - 1 : -1);
  }
}

bool VideoTracker::has_object(int obj_id) const {
  return std::find(obj_ids_.begin(), obj_ids_.end(), obj_id) != obj_ids_.end();
}

// ref: Sam3TrackerPredictor.propagate_in_video (one frame, propagate_preflight=False)
TrackedFrame VideoTracker::track_frame(int f, bool reverse, bool run_mem_encoder) {
  SAM3RT_CHECK(f >= 0 && f < num_frames_, kInvalidArgument, "frame ", f, " is outside the video");
  SAM3RT_CHECK(!outputs_.cond.empty(), kInvalidArgument,
               "nothing to track: add points, a box or a mask first");
  const int B = static_cast<int>(objects_.size());
  const bool clear_around = kClearNonCondMemAroundInput && B <= 1;
  TrackerFrameOutput out;
  bool cond = false;
  if (consolidated_cond_.count(f)) {
    out = outputs_.cond.at(f);
    cond = true;
    if (clear_around) clear_non_cond_mem_around_input(f);
  } else if (consolidated_non_cond_.count(f)) {
    out = outputs_.non_cond.at(f);
  } else {
    out =
        run_single_frame(outputs_, f, B, false, nullptr, Tensor(), reverse, run_mem_encoder, Tensor(), true);
    outputs_.non_cond[f] = out;
  }
  add_output_per_object(f, out, cond);
  frames_tracked_[f] = reverse;
  TrackedFrame tf;
  tf.frame = f;
  tf.object_ids = obj_ids_;
  tf.low_res_masks = out.pred_masks;
  tf.object_score_logits = out.object_score_logits;
  return tf;
}

void VideoTracker::set_frame_memory(int frame, const Tensor& maskmem_features) {
  SAM3RT_ASSERT(maskmem_features.size(0) == static_cast<int64_t>(objects_.size()), "one memory per object");
  for (bool cond : {true, false}) {
    auto& bank = cond ? outputs_.cond : outputs_.non_cond;
    auto it = bank.find(frame);
    if (it == bank.end()) continue;
    it->second.maskmem_features = maskmem_features;
    add_output_per_object(frame, it->second, cond);
  }
}

std::vector<int> VideoTracker::mask_only_frames(int obj_id) const {
  const auto it = std::find(obj_ids_.begin(), obj_ids_.end(), obj_id);
  SAM3RT_CHECK(it != obj_ids_.end(), kInvalidArgument, "unknown object id ", obj_id);
  const ObjectState& obj = objects_[static_cast<size_t>(it - obj_ids_.begin())];
  std::vector<int> out;
  for (int f : obj.mask_frames)
    if (!obj.points.count(f)) out.push_back(f);
  return out;
}

void VideoTracker::clear_points_in_frame(int frame, int obj_id) {
  clear_all_points_in_frame(frame, object_index(obj_id, false));
}

bool VideoTracker::is_valid_memory(int frame) const {
  auto it = outputs_.non_cond.find(frame);
  return it != outputs_.non_cond.end() && it->second.eff_iou_score &&
         *it->second.eff_iou_score > model_.options().mf_threshold;
}

void VideoTracker::evict(int f, bool reverse, int pinned_first) {
  const Sam3Config& c = model_.config();
  const int window = std::max(c.num_maskmem, c.max_obj_ptrs) - 1;
  const int k_valid = std::min(num_frames_, c.max_obj_ptrs) - 1;
  const bool selection = model_.options().use_memory_selection;
  // The K nearest frames with a passing memory score behind `from` in a direction (exclusive): what
  // frame_filter can return from there on (it only ever moves forward with the pass).
  auto nearest_valid = [&](int from, bool rev) {
    std::set<int> out;
    if (!selection) return out;
    const std::map<int, TrackerFrameOutput>& nc = outputs_.non_cond;
    if (!rev) {
      for (auto it = nc.lower_bound(from); it != nc.begin() && static_cast<int>(out.size()) < k_valid;) {
        --it;
        if (is_valid_memory(it->first)) out.insert(it->first);
      }
    } else {
      for (auto it = nc.upper_bound(from); it != nc.end() && static_cast<int>(out.size()) < k_valid; ++it)
        if (is_valid_memory(it->first)) out.insert(it->first);
    }
    return out;
  };
  const std::set<int> keep_pass = nearest_valid(reverse ? f : f + 1, reverse);
  const std::set<int> keep_next = pinned_first >= 0 ? nearest_valid(pinned_first, true) : std::set<int>();
  std::vector<int> drop;
  for (const auto& [t, out] : outputs_.non_cond) {
    const int behind = reverse ? t - f : f - t;  // ≥ 0: this pass has passed it
    if (behind <= window || keep_pass.count(t) || consolidated_non_cond_.count(t)) continue;
    if (pinned_first >= 0 && t > pinned_first && t - pinned_first <= window) continue;
    if (keep_next.count(t)) continue;
    drop.push_back(t);
  }
  for (int t : drop) {
    outputs_.non_cond.erase(t);
    for (ObjectState& obj : objects_) obj.outputs.non_cond.erase(t);
  }
}

void VideoTracker::reset_tracking_results() {
  for (ObjectState& obj : objects_) {
    obj.points.clear();
    obj.mask_frames.clear();
    obj.outputs = {};
    obj.temp = {};
  }
  outputs_ = {};
  consolidated_cond_.clear();
  consolidated_non_cond_.clear();
  tracking_started_ = false;
  frames_tracked_.clear();
  first_ann_frame_.reset();
}

void VideoTracker::reset() {
  reset_tracking_results();
  obj_ids_.clear();
  objects_.clear();
}

// ref: Sam3TrackerPredictor.clear_all_points_in_frame (need_output=False)
void VideoTracker::clear_all_points_in_frame(int frame, int obj_idx) {
  ObjectState& obj = objects_[obj_idx];
  obj.points.erase(frame);
  obj.mask_frames.erase(frame);
  obj.temp.cond.erase(frame);
  obj.temp.non_cond.erase(frame);
  for (const ObjectState& o : objects_)
    if (o.points.count(frame) || o.mask_frames.count(frame)) return;
  consolidated_cond_.erase(frame);
  consolidated_non_cond_.erase(frame);
  if (auto it = outputs_.cond.find(frame); it != outputs_.cond.end()) {
    outputs_.non_cond[frame] = it->second;  // no longer a conditioning frame
    outputs_.cond.erase(it);
    frames_tracked_.erase(frame);
  }
  for (ObjectState& o : objects_)
    if (auto it = o.outputs.cond.find(frame); it != o.outputs.cond.end()) {
      o.outputs.non_cond[frame] = it->second;
      o.outputs.cond.erase(it);
    }
  if (outputs_.cond.empty()) reset_tracking_results();
}

// ref: Sam3TrackerPredictor.remove_object (strict)
void VideoTracker::remove_object(int obj_id) {
  const int idx = object_index(obj_id, false);
  if (objects_.size() == 1) {
    reset();
    return;
  }
  std::set<int> frames;
  for (const auto& [f, p] : objects_[idx].points) frames.insert(f);
  frames.insert(objects_[idx].mask_frames.begin(), objects_[idx].mask_frames.end());
  for (int f : frames) clear_all_points_in_frame(f, idx);
  obj_ids_.erase(obj_ids_.begin() + idx);
  objects_.erase(objects_.begin() + idx);
  // Batched outputs keep the remaining rows; eff_iou_score is recomputed from them.
  auto keep_rows = [&](Tensor& t) {
    if (!t.defined()) return;
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < t.size(0); ++i)
      if (i != idx) rows.push_back(t.narrow(0, i, 1));
    t = ops::concat(rows, 0);
  };
  for (auto* bank : {&outputs_.cond, &outputs_.non_cond}) {
    for (auto& [f, out] : *bank) {
      keep_rows(out.maskmem_features);
      keep_rows(out.pred_masks);
      keep_rows(out.obj_ptr);
      keep_rows(out.object_score_logits);
      if (model_.options().use_memory_selection && out.iou_score.defined()) {
        keep_rows(out.iou_score);
        out.eff_iou_score = Sam3Tracker::memory_score(out.object_score_logits, out.iou_score);
      }
      add_output_per_object(f, out, bank == &outputs_.cond);
    }
  }
}

}  // namespace sam3rt::pipeline
