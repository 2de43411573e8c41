#include "pipeline/concept-video.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/log.h"
#include "model/sam3-image.h"
#include "ops/ops.h"

namespace sam3rt::pipeline {

namespace {

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// ref: sam3/model/model_misc.py inverse_sigmoid(eps=1e-3) as Sam3Image._update_scores_and_boxes
// uses it with supervise_joint_box_scores: the joint logit of σ(cls)·σ(presence), clamped ±10.
float joint_logit(float cls, float presence) {
  const float p = std::min(std::max(sigmoid(cls) * sigmoid(presence), 0.f), 1.f);
  const float x1 = std::max(p, 1e-3f), x2 = std::max(1.f - p, 1e-3f);
  return std::min(std::max(std::log(x1 / x2), -10.f), 10.f);
}

bool any_set(const std::vector<uint8_t>& m) {
  return std::any_of(m.begin(), m.end(), [](uint8_t v) { return v != 0; });
}

// [n, 1, L, L] on `device` from n host maps of L·L
Tensor stack_masks(const std::vector<const std::vector<float>*>& masks, int L, Device device) {
  std::vector<float> all;
  all.reserve(masks.size() * static_cast<size_t>(L) * L);
  for (const auto* m : masks) all.insert(all.end(), m->begin(), m->end());
  return Tensor::from_vector({static_cast<int64_t>(masks.size()), 1, L, L}, all).to(device);
}

const char* type_name(PropagationType t) {
  switch (t) {
    case PropagationType::kFull:
      return "propagation_full";
    case PropagationType::kPartial:
      return "propagation_partial";
    case PropagationType::kFetch:
      return "propagation_fetch";
  }
  return "";
}

}  // namespace

ConceptVideo::ConceptVideo(const Sam3ImageModel& model, const Sam3Tracker& tracker, PixelProvider pixels,
                           TextProvider text, int num_frames, int video_width, int video_height,
                           const ConceptVideoOptions& options)
    : model_(model),
      tracker_(tracker),
      pixels_(std::move(pixels)),
      text_provider_(std::move(text)),
      num_frames_(num_frames),
      width_(video_width),
      height_(video_height),
      options_(options),
      L_(tracker.low_res_size()),
      bounded_memory_(options.bounded_memory) {
  SAM3RT_CHECK(num_frames > 0, kInvalidArgument, "the video has no frames");
  SAM3RT_CHECK(video_width > 0 && video_height > 0, kInvalidArgument, "bad video size ", video_width, "x",
               video_height);
  if (options_.hotstart_delay > 0) {
    // ref: Sam3VideoBase.__init__ asserts
    SAM3RT_CHECK(options_.hotstart_unmatch_thresh <= options_.hotstart_delay &&
                     options_.hotstart_dup_thresh <= options_.hotstart_delay,
                 kInvalidArgument,
                 "hotstart_unmatch_thresh and hotstart_dup_thresh must not exceed hotstart_delay");
  }
}

ConceptVideo::~ConceptVideo() = default;

// ref: Sam3VideoInference.reset_state
void ConceptVideo::reset() {
  text_.reset();
  geometric_prompts_.clear();
  frames_with_outputs_.clear();
  buffer_.clear();
  feature_cache_.clear();
  states_.clear();
  metadata_initialized_ = false;
  obj_ids_.clear();
  max_obj_id_ = -1;
  obj_id_to_score_.clear();
  tracker_scores_.clear();
  last_occluded_.clear();
  hotstart_ = {};
  cached_outputs_.clear();
  actions_.clear();
}

std::optional<BoxPrompt> ConceptVideo::geometric_prompt(int frame) const {
  auto it = geometric_prompts_.find(frame);
  return it == geometric_prompts_.end() ? std::nullopt : std::optional<BoxPrompt>(it->second);
}

void ConceptVideo::compute(BufferedDetection& entry, int frame) {
  const BackboneFeatures image = model_.encode_image(pixels_(frame));
  // ref: Sam3VideoInference add_prompt: find_text_batch = [text or placeholder, "visual"], and
  // the text id points at "visual" when there is no text.
  const std::string key = text_ ? *text_ : "visual";
  if (!text_features_ || text_features_key_ != key) {
    text_features_ = text_provider_(key);
    text_features_key_ = key;
  }
  std::vector<BoxPrompt> boxes;
  if (entry.prompt) boxes.push_back(*entry.prompt);
  entry.out = model_.ground(image, *text_features_, boxes);
  entry.features = tracker_.encode_frame(image.trunk);
  entry.computed = true;
}

TrackerImageFeatures ConceptVideo::features(int frame) {
  auto it = feature_cache_.find(frame);
  if (it != feature_cache_.end()) return it->second;
  // The reference raises here; the frame's features are the same whenever computed.
  return tracker_.encode_frame(model_.encode_image(pixels_(frame)).trunk);
}

// ref: Sam3VideoBase.run_backbone_and_detection and Sam3ImageOnVideoMultiGPU
// .forward_video_grounding_multigpu (one GPU): the frame's detections come from the buffer when the
// previous step computed them ahead — with that step's geometric prompt — and the next frame in
// the direction of travel is queued with this frame's prompt. Queued frames are computed when
// used; what the buffer no longer needs is dropped (the results do not depend on when a frame is
// computed, only on the prompt it is computed with).
ConceptVideo::Detections ConceptVideo::detect(int frame, bool reverse, bool allow_new_detections,
                                              ConceptFrameTrace* trace) {
  auto it = buffer_.find(frame);
  if (it == buffer_.end()) {
    BufferedDetection e;
    e.prompt = geometric_prompt(frame);
    it = buffer_.emplace(frame, std::move(e)).first;
  }
  if (!it->second.computed) compute(it->second, frame);
  const GroundingOutput out = it->second.out;
  feature_cache_.clear();  // the reference evicts frame ∓ 1; only this frame's are ever read
  feature_cache_[frame] = it->second.features;
  if (!reverse && frame - 1 >= 0) buffer_.erase(frame - 1);
  if (reverse && frame + 1 < num_frames_) buffer_.erase(frame + 1);
  const int next = reverse ? frame - 1 : frame + 1;
  if (next >= 0 && next < num_frames_ && !buffer_.count(next)) {
    BufferedDetection e;
    e.prompt = geometric_prompt(frame);
    buffer_.emplace(next, std::move(e));
  }
  for (auto& [f, e] : buffer_)  // keep the prompts, not the tensors, of other frames
    if (f != frame && e.computed) {
      e.computed = false;
      e.out = {};
      e.features = {};
    }

  // [1, Q, 1] class logits, [1, 1] presence, [1, Q, L, L] masks
  const std::vector<float> cls = out.pred_logits.to(Device::cpu()).to_vector();
  const float presence = out.presence_logit.to(Device::cpu()).to_vector()[0];
  const Tensor masks = out.pred_masks.to(Device::cpu()).contiguous();
  const size_t Q = cls.size(), LL = static_cast<size_t>(L_) * L_;
  SAM3RT_ASSERT(masks.numel() == static_cast<int64_t>(Q * LL), "detector masks are [1, Q, L, L]");
  Detections det;
  det.raw_logits.resize(Q);
  std::vector<float> probs(Q);
  std::vector<std::vector<uint8_t>> binary(Q);
  for (size_t q = 0; q < Q; ++q) {
    det.raw_logits[q] = joint_logit(cls[q], presence);
    probs[q] = sigmoid(det.raw_logits[q]);
    binary[q] = binarize(masks.data<float>() + q * LL, LL);
  }
  det.logits = det.raw_logits;
  if (options_.det_nms_thresh > 0.f) {
    const std::vector<bool> keep =
        nms_masks(probs, binary, options_.score_threshold_detection, options_.det_nms_thresh);
    for (size_t q = 0; q < Q; ++q)
      if (!keep[q]) det.logits[q] -= 1e4f;
  }
  for (size_t q = 0; q < Q; ++q) {
    float p = sigmoid(det.logits[q]);
    if (!allow_new_detections) p -= 1e8f;
    if (p > options_.score_threshold_detection) {
      det.query.push_back(static_cast<int>(q));
      det.scores.push_back(p);
      const float* m = masks.data<float>() + q * LL;
      det.masks.emplace_back(m, m + LL);
    }
  }
  if (trace) {
    trace->det_raw_logits = det.raw_logits;
    trace->det_logits = det.logits;
    trace->det_query_idx = det.query;
    trace->det_scores = det.scores;
    trace->det_masks = det.masks;
  }
  return det;
}

std::unique_ptr<VideoTracker> ConceptVideo::new_state() {
  auto state = std::make_unique<VideoTracker>(
      tracker_, [this](int f) { return features(f); }, num_frames_, width_, height_);
  return state;
}

VideoTracker* ConceptVideo::state_of(int obj_id) {
  for (auto& s : states_)
    if (s->has_object(obj_id)) return s.get();
  return nullptr;
}

// ref: Sam3VideoBase._propogate_tracker_one_frame_local_gpu
void ConceptVideo::propagate_states(const std::vector<VideoTracker*>& states, int frame, bool reverse,
                                    bool run_mem_encoder, std::vector<int>& ids,
                                    std::vector<std::vector<float>>& masks, std::vector<float>& scores) {
  const size_t LL = static_cast<size_t>(L_) * L_;
  for (VideoTracker* s : states) {
    if (s->object_ids().empty()) continue;
    const TrackedFrame t = s->track_frame(frame, reverse, run_mem_encoder);
    const Tensor low = t.low_res_masks.to(Device::cpu()).contiguous();
    const std::vector<float> sc = t.object_score_logits.to(Device::cpu()).to_vector();
    SAM3RT_ASSERT(low.numel() == static_cast<int64_t>(t.object_ids.size() * LL),
                  "tracker masks are [B, 1, L, L]");
    for (size_t b = 0; b < t.object_ids.size(); ++b) {
      ids.push_back(t.object_ids[b]);
      const float* m = low.data<float>() + b * LL;
      masks.emplace_back(m, m + LL);
      fill_holes_in_mask_scores(masks.back().data(), L_, L_, options_.fill_hole_area);
      scores.push_back(sc[b]);
    }
  }
}

// ref: Sam3VideoBase._recondition_masklets
void ConceptVideo::recondition(int frame, const Detections& det, const Association& assoc,
                               const std::vector<float>& trk_scores) {
  const int S = tracker_.input_mask_size();
  for (const auto& [trk_id, d] : assoc.trk_to_high_conf_det) {
    const Tensor low = Tensor::from_vector({1, 1, L_, L_}, det.masks[d]).to(tracker_.device());
    std::vector<float> m = ops::interpolate_bilinear(low, S, S).to(Device::cpu()).to_vector();
    for (float& v : m) v = v > 0.f ? 1.f : 0.f;
    const Tensor mask = Tensor::from_vector({S, S}, m);
    const size_t idx =
        static_cast<size_t>(std::find(obj_ids_.begin(), obj_ids_.end(), trk_id) - obj_ids_.begin());
    SAM3RT_ASSERT(idx < obj_ids_.size(), "reconditioned object is tracked");
    if (!(trk_scores[idx] > kReconditionObjectScoreLogit)) continue;
    for (auto& s : states_)
      if (s->has_object(trk_id)) {
        s->add_mask(frame, trk_id, mask);
        s->preflight();
      }
  }
}

// ref: Sam3VideoBase._tracker_update_memories
void ConceptVideo::update_memories(int frame, const std::vector<std::vector<float>>& low_res) {
  if (states_.empty() || low_res.empty()) return;
  const int S = tracker_.input_mask_size();
  const Device device = tracker_.device();
  std::vector<const std::vector<float>*> ptrs;
  for (const auto& m : low_res) ptrs.push_back(&m);
  const Tensor high_t =
      ops::interpolate_bilinear(stack_masks(ptrs, L_, device), S, S).to(Device::cpu()).contiguous();
  const size_t SS = static_cast<size_t>(S) * S;
  std::vector<std::vector<float>> high(low_res.size());
  for (size_t i = 0; i < high.size(); ++i)
    high[i].assign(high_t.data<float>() + i * SS, high_t.data<float>() + (i + 1) * SS);
  suppress_pixelwise_area_shrinkage(high);
  // the mask area stands in for the object score
  std::vector<float> scores(high.size());
  for (size_t i = 0; i < high.size(); ++i)
    scores[i] = std::any_of(high[i].begin(), high[i].end(), [](float v) { return v > 0.f; }) ? 10.f : -10.f;
  const TrackerImageFeatures feats = features(frame);
  size_t start = 0;
  for (auto& s : states_) {
    const size_t B = s->object_ids().size();
    if (B == 0) continue;
    std::vector<float> slice;
    slice.reserve(B * SS);
    for (size_t i = start; i < start + B; ++i) slice.insert(slice.end(), high[i].begin(), high[i].end());
    const Tensor masks = Tensor::from_vector({static_cast<int64_t>(B), 1, S, S}, slice).to(device);
    const Tensor obj =
        Tensor::from_vector({static_cast<int64_t>(B), 1},
                            std::vector<float>(scores.begin() + static_cast<std::ptrdiff_t>(start),
                                               scores.begin() + static_cast<std::ptrdiff_t>(start + B)))
            .to(device);
    s->set_frame_memory(frame, tracker_.encode_new_memory(feats, masks, obj, false));
    start += B;
  }
}

// ref: Sam3VideoBase._tracker_add_new_objects: one new tracker state for the objects born on this frame
void ConceptVideo::add_new_objects(int frame, const std::vector<int>& ids, const Detections& det,
                                   const std::vector<int>& dets) {
  const int S = tracker_.input_mask_size();
  auto state = new_state();
  std::vector<const std::vector<float>*> ptrs;
  for (int d : dets) ptrs.push_back(&det.masks[d]);
  const Tensor high = ops::interpolate_bilinear(stack_masks(ptrs, L_, tracker_.device()), S, S)
                          .to(Device::cpu())
                          .contiguous();
  const size_t SS = static_cast<size_t>(S) * S;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<float> m(high.data<float>() + i * SS, high.data<float>() + (i + 1) * SS);
    for (float& v : m) v = v > 0.f ? 1.f : 0.f;
    state->add_mask(frame, ids[i], Tensor::from_vector({S, S}, m));
  }
  state->preflight();
  states_.push_back(std::move(state));
}

// ref: Sam3VideoBase._tracker_remove_object: from every state; a state left empty is dropped
void ConceptVideo::remove_from_states(int obj_id) {
  for (auto it = states_.begin(); it != states_.end();) {
    if ((*it)->has_object(obj_id)) {
      if ((*it)->object_ids().size() == 1) {
        it = states_.erase(it);
        continue;
      }
      (*it)->remove_object(obj_id);
    }
    ++it;
  }
}

Rle ConceptVideo::video_res_mask(const float* low_res) const {
  const Tensor low = Tensor::from_vector({1, 1, L_, L_},
                                         std::vector<float>(low_res, low_res + static_cast<size_t>(L_) * L_));
  const Tensor up =
      ops::interpolate_bilinear(low.to(tracker_.device()), height_, width_).to(Device::cpu()).contiguous();
  const std::vector<uint8_t> bin = binarize(up.data<float>(), static_cast<size_t>(width_) * height_);
  return rle_encode(bin.data(), height_, width_);
}

// ref: Sam3VideoBase._det_track_one_frame and Sam3VideoInference._run_single_frame_inference
ConceptVideo::FrameOut ConceptVideo::run_frame(int frame, bool reverse) {
  const bool allow = text_.has_value() || geometric_prompts_.count(frame) > 0;
  ConceptFrameTrace tr;
  tr.frame = frame;
  tr.reverse = reverse;
  tr.allow_new_detections = allow;
  ConceptFrameTrace* t = trace_ ? &tr : nullptr;

  // Step 1: backbone + detector
  const Detections det = detect(frame, reverse, allow, t);
  metadata_initialized_ = true;

  // Step 2: one tracking step of every state (memory encoder deferred to step 3)
  std::vector<VideoTracker*> all;
  for (auto& s : states_) all.push_back(s.get());
  std::vector<int> trk_ids;
  std::vector<std::vector<float>> trk_masks;
  std::vector<float> trk_scores;
  propagate_states(all, frame, reverse, false, trk_ids, trk_masks, trk_scores);
  SAM3RT_ASSERT(trk_ids == obj_ids_, "tracker states hold the tracked objects in order");
  if (t) {
    t->trk_obj_ids = trk_ids;
    t->trk_masks = trk_masks;
    t->trk_obj_score_logits = trk_scores;
  }

  // Step 3: planning (ref: run_tracker_update_planning_phase)
  const size_t LL = static_cast<size_t>(L_) * L_;
  std::vector<std::vector<uint8_t>> det_bin, trk_bin;
  for (const auto& m : det.masks) det_bin.push_back(binarize(m.data(), LL));
  for (const auto& m : trk_masks) trk_bin.push_back(binarize(m.data(), LL));
  const Association assoc = associate_detections(det_bin, det.scores, trk_bin, trk_ids, options_);
  std::vector<int> new_dets = assoc.new_dets;
  int num_dropped = 0;
  const int max_objects = options_.max_num_objects > 0 ? options_.max_num_objects : 10000;
  if (static_cast<int>(obj_ids_.size() + new_dets.size()) > max_objects) {
    // ref: _drop_new_det_with_obj_limit: the highest-scoring new detections
    const int keep = std::max(0, max_objects - static_cast<int>(obj_ids_.size()));
    num_dropped = static_cast<int>(new_dets.size()) - keep;
    std::vector<size_t> order(new_dets.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return det.scores[new_dets[a]] < det.scores[new_dets[b]]; });
    std::reverse(order.begin(), order.end());
    std::vector<int> kept;
    for (int i = 0; i < keep; ++i) kept.push_back(new_dets[order[i]]);
    new_dets = kept;
  }
  std::vector<int> new_ids;
  for (size_t i = 0; i < new_dets.size(); ++i) new_ids.push_back(max_obj_id_ + 1 + static_cast<int>(i));
  const std::set<int> newly_removed = hotstart_.process(frame, reverse, assoc, new_ids, options_);

  const bool recondition_now = options_.recondition_every_nth_frame > 0 &&
                               frame % options_.recondition_every_nth_frame == 0 &&
                               !assoc.trk_to_high_conf_det.empty();
  if (recondition_now) recondition(frame, det, assoc, trk_scores);

  std::map<int, int64_t> last_occluded_new;
  if (!trk_ids.empty()) {
    const float thr = options_.suppress_overlapping_based_on_recent_occlusion_threshold;
    if (thr > 0.f) {
      // ref: _suppress_overlapping_based_on_recent_occlusion
      std::vector<int64_t> last(trk_ids.size());
      for (size_t i = 0; i < trk_ids.size(); ++i) {
        auto it = last_occluded_.find(trk_ids[i]);
        last[i] = it != last_occluded_.end() ? it->second : newly_removed.count(trk_ids[i]) ? 100000 : -1;
      }
      const std::vector<bool> suppress = suppress_by_recent_occlusion(trk_bin, last, thr, reverse);
      for (size_t i = 0; i < trk_ids.size(); ++i) {
        last_occluded_new[trk_ids[i]] = (!any_set(trk_bin[i]) || suppress[i]) ? frame : last[i];
        if (suppress[i]) {
          std::fill(trk_masks[i].begin(), trk_masks[i].end(), -10.f);
          if (t) t->occlusion_suppressed.insert(trk_ids[i]);
        }
      }
    }
    update_memories(frame, trk_masks);
  }
  if (t) t->trk_final_masks = trk_masks;

  // metadata (ref: the end of run_tracker_update_planning_phase)
  std::vector<int> ids_after = obj_ids_;
  ids_after.insert(ids_after.end(), new_ids.begin(), new_ids.end());
  ids_after.erase(
      std::remove_if(ids_after.begin(), ids_after.end(), [&](int id) { return newly_removed.count(id) > 0; }),
      ids_after.end());
  std::map<int, float>& frame_scores = tracker_scores_[frame];
  for (size_t i = 0; i < new_ids.size(); ++i) {
    obj_id_to_score_[new_ids[i]] = det.scores[new_dets[i]];
    frame_scores[new_ids[i]] = det.scores[new_dets[i]];
    max_obj_id_ = std::max(max_obj_id_, new_ids[i]);
  }
  last_occluded_ = last_occluded_new;
  for (int id : newly_removed) {
    obj_id_to_score_[id] = -1e4f;
    frame_scores[id] = -1e4f;
    last_occluded_.erase(id);
  }

  // Step 4: execution (ref: run_tracker_update_execution_phase)
  if (!new_ids.empty()) add_new_objects(frame, new_ids, det, new_dets);
  for (int id : newly_removed) remove_from_states(id);
  const std::vector<int> prev_ids = obj_ids_;
  obj_ids_ = ids_after;
  if (bounded_memory_)
    for (auto& s : states_) s->release_unreachable(frame, reverse, reverse ? -1 : backward_from_);

  // Step 5: outputs (ref: build_outputs)
  FrameOut out;
  for (size_t i = 0; i < prev_ids.size(); ++i) out.masks[prev_ids[i]] = video_res_mask(trk_masks[i].data());
  for (size_t i = 0; i < new_ids.size(); ++i) {
    std::vector<float> m = det.masks[new_dets[i]];
    fill_holes_in_mask_scores(m.data(), L_, L_, options_.fill_hole_area);
    out.masks[new_ids[i]] = video_res_mask(m.data());
  }
  for (size_t i = 0; i < trk_ids.size(); ++i) frame_scores[trk_ids[i]] = sigmoid(trk_scores[i]);
  out.num_obj_tracked = static_cast<int>(obj_ids_.size());
  out.num_obj_dropped = num_dropped;

  frames_with_outputs_.insert(frame);
  cache_frame(frame, out.masks, {});
  out.scores = obj_id_to_score_;
  out.tracker_scores = frame_scores;
  out.removed = hotstart_.removed;
  out.suppressed = hotstart_.suppressed[frame];
  if (t) {
    tr.assoc = assoc;
    tr.new_obj_ids = new_ids;
    tr.newly_removed = newly_removed;
    tr.removed = hotstart_.removed;
    tr.suppressed = out.suppressed;
    tr.reconditioned = recondition_now;
    tr.last_occluded = last_occluded_;
    tr.obj_ids_after = obj_ids_;
    tr.obj_id_to_score = obj_id_to_score_;
    tr.tracker_scores = frame_scores;
    trace_->push_back(std::move(tr));
  }
  return out;
}

// ref: Sam3VideoInference._postprocess_output
ConceptFrame ConceptVideo::postprocess(int frame, const FrameOut& out, const std::set<int>& hidden) const {
  ConceptFrame result;
  result.frame = frame;
  result.num_obj_tracked = out.num_obj_tracked;
  result.num_obj_dropped = out.num_obj_dropped;
  std::vector<std::vector<uint8_t>> masks;
  std::vector<float> tracker_probs;
  for (const auto& [id, rle] : out.masks) {  // ids ascending
    std::vector<uint8_t> m = rle_decode(rle);
    if (!any_set(m) || hidden.count(id)) continue;
    ConceptObject o;
    o.id = id;
    auto s = out.scores.find(id);
    o.score = s != out.scores.end() ? s->second : 0.f;
    auto ts = out.tracker_scores.find(id);
    o.tracker_score = ts != out.tracker_scores.end() ? ts->second : 0.f;
    o.box_xywh = mask_box_xywh_normalized(m.data(), width_, height_);
    result.objects.push_back(o);
    tracker_probs.push_back(o.tracker_score);
    masks.push_back(std::move(m));
  }
  object_wise_non_overlap(masks, tracker_probs);
  for (size_t i = 0; i < masks.size(); ++i)
    result.objects[i].mask = rle_encode(masks[i].data(), height_, width_);
  return result;
}

void ConceptVideo::cache_frame(int frame, const std::map<int, Rle>& masks, const std::set<int>& hidden) {
  std::map<int, Rle>& c = cached_outputs_[frame];
  c.clear();
  for (const auto& [id, m] : masks)
    if (!hidden.count(id)) c.emplace(id, m);
}

std::map<int, Rle> ConceptVideo::cached_masks(int frame) const {
  // The reference asserts that the frame was propagated before; an unvisited frame has no objects.
  auto it = cached_outputs_.find(frame);
  return it == cached_outputs_.end() ? std::map<int, Rle>() : it->second;
}

// ref: Sam3VideoInference.add_prompt (text / box)
ConceptFrame ConceptVideo::add_prompt(int frame, const std::optional<std::string>& text,
                                      const std::optional<ConceptBox>& box) {
  SAM3RT_CHECK(frame >= 0 && frame < num_frames_, kInvalidArgument, "prompt on frame ", frame,
               " but the video has ", num_frames_, " frames (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(text || box, kInvalidArgument, "a concept prompt needs a text, a box or both");
  BoxPrompt geometric;
  if (box) {
    const auto& b = box->xywh;
    for (float v : b)
      SAM3RT_CHECK(std::isfinite(v) && v >= 0.f && v <= 1.f, kInvalidArgument,
                   "box coordinates are relative x, y, w, h in [0, 1], got ", b[0], ",", b[1], ",", b[2], ",",
                   b[3]);
    geometric = {b[0] + 0.5f * b[2], b[1] + 0.5f * b[3], b[2], b[3], box->positive};
    SAM3RT_CHECK(geometric.cx <= 1.f && geometric.cy <= 1.f, kInvalidArgument,
                 "the box's centre lies outside the frame: ", b[0], ",", b[1], ",", b[2], ",", b[3]);
    if (!box->positive) log_warning("a negative box is added as a visual prompt");
  }
  reset();  // every semantic prompt starts over
  if (text && *text != "visual") text_ = *text;
  if (box) geometric_prompts_[frame] = geometric;
  const FrameOut out = run_frame(frame, false);
  return postprocess(frame, out, {});
}

// ref: Sam3VideoInferenceWithInstanceInteractivity.clear_detector_added_cond_frame_in_tracker
static void clear_detector_cond_frames(VideoTracker& state, int obj_id, int refined_frame, int window) {
  std::vector<int> frames;
  for (int f : state.mask_only_frames(obj_id))
    if (std::abs(f - refined_frame) <= window) frames.push_back(f);
  for (int f : frames) {
    const std::vector<int> ids = state.object_ids();
    for (int id : ids)
      if (state.has_object(id)) state.clear_points_in_frame(f, id);
  }
}

// ref: Sam3VideoInferenceWithInstanceInteractivity.add_tracker_new_points
ConceptFrame ConceptVideo::add_points(int frame, int obj_id, const std::vector<std::array<float, 2>>& points,
                                      const std::vector<int>& labels) {
  SAM3RT_CHECK(frame >= 0 && frame < num_frames_, kInvalidArgument, "prompt on frame ", frame,
               " but the video has ", num_frames_, " frames (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(!points.empty() && points.size() == labels.size(), kInvalidArgument,
               "clicks need as many labels as points (got ", points.size(), " points, ", labels.size(),
               " labels)");
  SAM3RT_CHECK(obj_id >= 0, kInvalidArgument, "object ids are non-negative, got ", obj_id);
  std::vector<VideoClick> clicks;
  for (size_t i = 0; i < points.size(); ++i) {
    SAM3RT_CHECK(std::isfinite(points[i][0]) && std::isfinite(points[i][1]), kInvalidArgument,
                 "click coordinates must be finite");
    SAM3RT_CHECK(labels[i] == 0 || labels[i] == 1, kInvalidArgument,
                 "click labels are 1 (positive) or 0 (negative)");
    clicks.push_back(
        {points[i][0] * static_cast<float>(width_), points[i][1] * static_cast<float>(height_), labels[i]});
  }
  metadata_initialized_ = true;
  detect(frame, false, true, nullptr);  // ref: _prepare_backbone_feats (the features)

  VideoTracker* state = state_of(obj_id);
  const bool known = std::find(obj_ids_.begin(), obj_ids_.end(), obj_id) != obj_ids_.end();
  if (!known) {
    const int max_objects = options_.max_num_objects > 0 ? options_.max_num_objects : 10000;
    if (static_cast<int>(obj_ids_.size()) >= max_objects) {
      log_warning("cannot add object ", obj_id, ": already tracking ", obj_ids_.size(),
                  " objects (max_num_objects)");
      ConceptFrame empty;
      empty.frame = frame;
      return empty;
    }
    states_.push_back(new_state());
    state = states_.back().get();
    obj_ids_.push_back(obj_id);
    max_obj_id_ = std::max(max_obj_id_, obj_id);
    actions_.push_back({"add", frame, {obj_id}});
  } else {
    SAM3RT_ASSERT(state != nullptr, "a tracked object lives in one tracker state");
    actions_.push_back({"refine", frame, {obj_id}});
  }
  obj_id_to_score_[obj_id] = 1.f;
  tracker_scores_[frame][obj_id] = 1.f;
  hotstart_.removed.erase(obj_id);
  for (auto& [f, ids] : hotstart_.suppressed) ids.erase(obj_id);

  const Tensor video_res =
      state->add_points(frame, obj_id, clicks).to(Device::cpu()).contiguous();  // [B, 1, H, W]
  const size_t idx =
      static_cast<size_t>(std::find(state->object_ids().begin(), state->object_ids().end(), obj_id) -
                          state->object_ids().begin());
  const size_t plane = static_cast<size_t>(width_) * height_;
  std::vector<float> mask(video_res.data<float>() + idx * plane, video_res.data<float>() + (idx + 1) * plane);
  fill_holes_in_mask_scores(mask.data(), height_, width_, options_.fill_hole_area);
  state->preflight();
  clear_detector_cond_frames(*state, obj_id, frame, options_.refinement_detector_cond_frame_removal_window);

  const std::vector<uint8_t> bin = binarize(mask.data(), plane);
  FrameOut out;
  out.masks = cached_masks(frame);
  out.masks[obj_id] = rle_encode(bin.data(), height_, width_);
  out.scores = obj_id_to_score_;
  out.tracker_scores = tracker_scores_[frame];
  out.suppressed = hotstart_.suppressed[frame];
  cache_frame(frame, out.masks, out.suppressed);
  return postprocess(frame, out, out.suppressed);
}

// ref: Sam3VideoInferenceWithInstanceInteractivity.remove_object
void ConceptVideo::remove_object(int obj_id, bool is_user_action) {
  auto it = std::find(obj_ids_.begin(), obj_ids_.end(), obj_id);
  SAM3RT_CHECK(it != obj_ids_.end(), kInvalidArgument, "object ", obj_id, " is not tracked");
  remove_from_states(obj_id);
  if (is_user_action) actions_.push_back({"remove", std::nullopt, {obj_id}});
  obj_ids_.erase(it);
  obj_id_to_score_.erase(obj_id);
  for (auto& [f, masks] : cached_outputs_) masks.erase(obj_id);
}

// ref: parse_action_history_for_propagation
std::pair<PropagationType, std::vector<int>> ConceptVideo::parse_action_history() const {
  if (actions_.empty()) return {PropagationType::kFull, {}};
  auto is_prop = [](const Action& a) { return a.type.rfind("propagation", 0) == 0; };
  const Action& last = actions_.back();
  if (is_prop(last)) {
    if (last.type == "propagation_fetch") return {PropagationType::kFetch, {}};
    const bool twice = actions_.size() > 1 && is_prop(actions_[actions_.size() - 2]) &&
                       actions_[actions_.size() - 2].type != "propagation_fetch";
    if (twice || (last.frame && (*last.frame == 0 || *last.frame == num_frames_ - 1)))
      return {PropagationType::kFetch, {}};
    return {last.type == "propagation_full" ? PropagationType::kFull : PropagationType::kPartial,
            last.obj_ids};
  }
  std::set<int> ids;
  for (auto a = actions_.rbegin(); a != actions_.rend(); ++a) {
    if (is_prop(*a)) break;
    if (a->type == "add" || a->type == "refine") ids.insert(a->obj_ids.begin(), a->obj_ids.end());
  }
  if (ids.empty()) return {PropagationType::kFetch, {}};
  return {PropagationType::kPartial, std::vector<int>(ids.begin(), ids.end())};
}

// ref: Sam3VideoInference._get_processing_order
std::vector<int> ConceptVideo::processing_order(std::optional<int> start, std::optional<int> max_frames,
                                                bool reverse, int* end_frame) const {
  SAM3RT_CHECK(!frames_with_outputs_.empty() || start, kInvalidArgument,
               "no prompts yet: add a text or box prompt on a frame before propagating");
  SAM3RT_CHECK(!start || (*start >= 0 && *start < num_frames_), kInvalidArgument, "start frame ",
               start.value_or(0), " is outside the video (0..", num_frames_ - 1, ")");
  SAM3RT_CHECK(!max_frames || *max_frames >= 0, kInvalidArgument, "the frame limit must not be negative");
  const int s = start ? *start : *frames_with_outputs_.begin();
  const int m = max_frames ? *max_frames : num_frames_;
  std::vector<int> order;
  if (reverse) {
    const int end = std::max(s - m, 0);
    for (int f = s - 1; f >= end; --f) order.push_back(f);
    *end_frame = end;
  } else {
    const int end = std::min(s + m, num_frames_ - 1);
    for (int f = s; f <= end; ++f) order.push_back(f);
    *end_frame = end;
  }
  return order;
}

PropagationType ConceptVideo::propagate(std::optional<int> start, std::optional<int> max_frames, bool reverse,
                                        const std::function<void(const ConceptFrame&)>& on_frame) {
  int end = 0;
  const std::vector<int> order = processing_order(start, max_frames, reverse, &end);
  const auto [type, ids] = parse_action_history();
  actions_.push_back({type_name(type), start, ids});

  if (type == PropagationType::kFull) {
    // ref: Sam3VideoInference.propagate_in_video: the hotstart buffer
    std::vector<std::pair<int, FrameOut>> buffered;
    std::set<int> removed;
    auto emit = [&](int f, const FrameOut& o) {
      std::set<int> hidden = o.suppressed;
      hidden.insert(removed.begin(), removed.end());
      const ConceptFrame result = postprocess(f, o, hidden);
      cache_frame(f, o.masks, hidden);
      on_frame(result);
    };
    for (int f : order) {
      FrameOut o = run_frame(f, reverse);
      if (options_.hotstart_delay <= 0) {
        emit(f, o);
        continue;
      }
      removed.insert(o.removed.begin(), o.removed.end());
      buffered.emplace_back(f, std::move(o));
      if (f == end) {
        for (const auto& [bf, bo] : buffered) emit(bf, bo);
        buffered.clear();
      } else if (static_cast<int>(buffered.size()) >= options_.hotstart_delay) {
        emit(buffered.front().first, buffered.front().second);
        buffered.erase(buffered.begin());
      }
    }
    return type;
  }

  if (type == PropagationType::kFetch) {
    for (int f : order) {
      FrameOut o;
      o.masks = cached_masks(f);
      o.scores = obj_id_to_score_;
      o.tracker_scores = tracker_scores_[f];
      on_frame(postprocess(f, o, hotstart_.suppressed[f]));
    }
    return type;
  }

  // ref: propagation_partial: only the refined/added objects' states are re-tracked, with their
  // own memory (run_mem_encoder=True), merged into the cached outputs.
  std::vector<VideoTracker*> states;
  for (auto& s : states_)
    for (int id : ids)
      if (s->has_object(id)) {
        states.push_back(s.get());
        break;
      }
  for (VideoTracker* s : states) s->preflight();
  const size_t plane = static_cast<size_t>(width_) * height_;
  for (int f : order) {
    detect(f, reverse, true, nullptr);  // ref: _prepare_backbone_feats
    std::vector<int> trk_ids;
    std::vector<std::vector<float>> masks;
    std::vector<float> scores;
    propagate_states(states, f, reverse, true, trk_ids, masks, scores);
    if (bounded_memory_)
      for (VideoTracker* s : states) s->release_unreachable(f, reverse, reverse ? -1 : backward_from_);
    FrameOut o;
    o.masks = cached_masks(f);
    for (int id : ids) {
      auto it = std::find(trk_ids.begin(), trk_ids.end(), id);
      if (it == trk_ids.end()) continue;
      const size_t i = static_cast<size_t>(it - trk_ids.begin());
      // the reference stores the raw object-score logit here, not its sigmoid
      tracker_scores_[f][id] = scores[i];
      o.masks[id] = video_res_mask(masks[i].data());
    }
    if (trace_) {
      ConceptFrameTrace tr;
      tr.frame = f;
      tr.reverse = reverse;
      tr.partial = true;
      tr.trk_obj_ids = trk_ids;
      tr.trk_masks = masks;
      tr.trk_obj_score_logits = scores;
      tr.tracker_scores = tracker_scores_[f];
      trace_->push_back(std::move(tr));
    }
    (void)plane;
    o.scores = obj_id_to_score_;
    o.tracker_scores = tracker_scores_[f];
    const std::set<int> suppressed = hotstart_.suppressed[f];
    cache_frame(f, o.masks, suppressed);
    on_frame(postprocess(f, o, suppressed));
  }
  return type;
}

}  // namespace sam3rt::pipeline
