#include "pipeline/concept-heuristics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "pipeline/connected-components.h"

namespace sam3rt::pipeline {

namespace {

struct OptionField {
  const char* name;
  float ConceptVideoOptions::*real = nullptr;
  int ConceptVideoOptions::*integer = nullptr;
  bool ConceptVideoOptions::*flag = nullptr;
};

const std::vector<OptionField>& option_fields() {
  using O = ConceptVideoOptions;
  static const std::vector<OptionField> fields = {
      {"score_threshold_detection", &O::score_threshold_detection},
      {"det_nms_thresh", &O::det_nms_thresh},
      {"assoc_iou_thresh", &O::assoc_iou_thresh},
      {"trk_assoc_iou_thresh", &O::trk_assoc_iou_thresh},
      {"new_det_thresh", &O::new_det_thresh},
      {"hotstart_delay", nullptr, &O::hotstart_delay},
      {"hotstart_unmatch_thresh", nullptr, &O::hotstart_unmatch_thresh},
      {"hotstart_dup_thresh", nullptr, &O::hotstart_dup_thresh},
      {"suppress_unmatched_only_within_hotstart", nullptr, nullptr,
       &O::suppress_unmatched_only_within_hotstart},
      {"init_trk_keep_alive", nullptr, &O::init_trk_keep_alive},
      {"max_trk_keep_alive", nullptr, &O::max_trk_keep_alive},
      {"min_trk_keep_alive", nullptr, &O::min_trk_keep_alive},
      {"decrease_trk_keep_alive_for_empty_masklets", nullptr, nullptr,
       &O::decrease_trk_keep_alive_for_empty_masklets},
      {"suppress_overlapping_based_on_recent_occlusion_threshold",
       &O::suppress_overlapping_based_on_recent_occlusion_threshold},
      {"fill_hole_area", nullptr, &O::fill_hole_area},
      {"recondition_every_nth_frame", nullptr, &O::recondition_every_nth_frame},
      {"max_num_objects", nullptr, &O::max_num_objects},
      {"refinement_detector_cond_frame_removal_window", nullptr,
       &O::refinement_detector_cond_frame_removal_window},
      {"use_memory_selection", nullptr, nullptr, &O::use_memory_selection},
      {"bounded_memory", nullptr, nullptr, &O::bounded_memory},
  };
  return fields;
}

}  // namespace

void set_concept_option(ConceptVideoOptions& options, const std::string& name, double value) {
  const std::string key = name == "tracker_use_memory_selection" ? "use_memory_selection" : name;
  SAM3RT_CHECK(std::isfinite(value), kInvalidArgument, "option ", name, " needs a finite number");
  for (const OptionField& f : option_fields()) {
    if (key != f.name) continue;
    if (f.real) {
      options.*(f.real) = static_cast<float>(value);
      return;
    }
    SAM3RT_CHECK(value == std::floor(value) && std::fabs(value) < 1e9, kInvalidArgument, "option ", name,
                 " takes an integer, got ", value);
    if (f.integer)
      options.*(f.integer) = static_cast<int>(value);
    else
      options.*(f.flag) = value != 0;
    return;
  }
  std::string known;
  for (const OptionField& f : option_fields()) known += std::string(known.empty() ? "" : ", ") + f.name;
  fail(ErrorCode::kInvalidArgument, "unknown concept-video option '", name, "' (known: ", known, ")");
}

std::vector<std::string> concept_option_names() {
  std::vector<std::string> names;
  for (const OptionField& f : option_fields()) names.push_back(f.name);
  return names;
}

std::vector<uint8_t> binarize(const float* logits, size_t pixels) {
  std::vector<uint8_t> out(pixels);
  for (size_t p = 0; p < pixels; ++p) out[p] = logits[p] > 0.f ? 1 : 0;
  return out;
}

// ref: sam3/perflib/masks_ops.py mask_iou
std::vector<float> mask_iou(const std::vector<std::vector<uint8_t>>& a,
                            const std::vector<std::vector<uint8_t>>& b) {
  std::vector<float> ious(a.size() * b.size(), 0.f);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < b.size(); ++j) {
      SAM3RT_ASSERT(a[i].size() == b[j].size(), "mask_iou: masks of one size");
      int64_t inter = 0, uni = 0;
      for (size_t p = 0; p < a[i].size(); ++p) {
        inter += a[i][p] & b[j][p];
        uni += a[i][p] | b[j][p];
      }
      ious[i * b.size() + j] = static_cast<float>(inter) / static_cast<float>(std::max<int64_t>(uni, 1));
    }
  return ious;
}

// ref: sam3/perflib/nms.py nms_masks + generic_nms_cpu
std::vector<bool> nms_masks(const std::vector<float>& probs, const std::vector<std::vector<uint8_t>>& binary,
                            float prob_threshold, float iou_threshold) {
  std::vector<int> valid;
  for (size_t i = 0; i < probs.size(); ++i)
    if (probs[i] > prob_threshold) valid.push_back(static_cast<int>(i));
  std::vector<bool> keep(probs.size(), false);
  if (valid.empty()) return keep;
  std::vector<std::vector<uint8_t>> masks;
  for (int i : valid) masks.push_back(binary[i]);
  const std::vector<float> ious = mask_iou(masks, masks);
  const size_t n = valid.size();
  // order = argsort(scores)[::-1]: ascending (stable for ties) then reversed → descending, ties
  // with the higher index first.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return probs[valid[x]] < probs[valid[y]]; });
  std::reverse(order.begin(), order.end());
  while (!order.empty()) {
    const size_t i = order.front();
    keep[valid[i]] = true;
    std::vector<size_t> rest;
    for (size_t k = 1; k < order.size(); ++k)
      if (ious[i * n + order[k]] <= iou_threshold) rest.push_back(order[k]);
    order = std::move(rest);
  }
  return keep;
}

// ref: sam3_tracker_utils.py fill_holes_in_mask_scores (_get_connected_components_with_padding pads
// odd sizes with zeros, which joins no component)
void fill_holes_in_mask_scores(float* logits, int h, int w, int max_area) {
  if (max_area <= 0) return;
  const size_t n = static_cast<size_t>(h) * w;
  std::vector<uint8_t> bg(n);
  for (size_t p = 0; p < n; ++p) bg[p] = logits[p] <= 0.f ? 1 : 0;
  const std::vector<int32_t> bg_area = component_areas(bg.data(), h, w);
  for (size_t p = 0; p < n; ++p)
    if (bg[p] && bg_area[p] <= max_area) logits[p] = 0.1f;
  std::vector<uint8_t> fg(n);
  int64_t fg_total = 0;
  for (size_t p = 0; p < n; ++p) {
    fg[p] = logits[p] > 0.f ? 1 : 0;
    fg_total += fg[p];
  }
  const int64_t thr = std::min<int64_t>(fg_total / 2, max_area);
  const std::vector<int32_t> fg_area = component_areas(fg.data(), h, w);
  for (size_t p = 0; p < n; ++p)
    if (fg[p] && fg_area[p] <= thr) logits[p] = -0.1f;
}

// ref: sam3_video_base.py _associate_det_trk
Association associate_detections(const std::vector<std::vector<uint8_t>>& det_masks,
                                 const std::vector<float>& det_scores,
                                 const std::vector<std::vector<uint8_t>>& trk_masks,
                                 const std::vector<int>& trk_ids, const ConceptVideoOptions& options) {
  Association a;
  const size_t N = det_masks.size(), M = trk_masks.size();
  SAM3RT_ASSERT(det_scores.size() == N && trk_ids.size() == M, "associate_detections: sizes");
  auto nonempty = [](const std::vector<uint8_t>& m) {
    return std::any_of(m.begin(), m.end(), [](uint8_t v) { return v != 0; });
  };
  if (M == 0) {  // every detection is new (new_det_thresh is not applied)
    for (size_t n = 0; n < N; ++n) a.new_dets.push_back(static_cast<int>(n));
    return a;
  }
  if (N == 0) {
    for (size_t m = 0; m < M; ++m)
      (nonempty(trk_masks[m]) ? a.unmatched_trks : a.empty_trks).push_back(trk_ids[m]);
    return a;
  }
  const std::vector<float> ious = mask_iou(det_masks, trk_masks);  // N×M
  for (size_t m = 0; m < M; ++m) {
    bool matched = false;
    for (size_t n = 0; n < N; ++n) matched = matched || ious[n * M + m] >= options.trk_assoc_iou_thresh;
    const bool ne = nonempty(trk_masks[m]);
    if (ne && !matched) a.unmatched_trks.push_back(trk_ids[m]);
    if (!ne) a.empty_trks.push_back(trk_ids[m]);
  }
  for (size_t n = 0; n < N; ++n) {
    const float* row = &ious[n * M];
    bool any_match = false;
    size_t argmax = 0;
    for (size_t m = 0; m < M; ++m) {
      any_match = any_match || row[m] >= options.assoc_iou_thresh;
      if (row[m] > row[argmax]) argmax = m;  // np.argmax: the first maximum
    }
    const bool is_new = det_scores[n] >= options.new_det_thresh && !any_match;
    if (is_new) a.new_dets.push_back(static_cast<int>(n));
    std::vector<int>& matched = a.det_to_matched_trks[static_cast<int>(n)];
    for (size_t m = 0; m < M; ++m)
      if (row[m] >= options.assoc_iou_thresh) matched.push_back(trk_ids[m]);
    if (det_scores[n] >= kHighConfidenceScore && !is_new && row[argmax] >= kHighConfidenceIou) {
      const int id = trk_ids[argmax];  // a later detection overwrites the entry, in place
      auto it = std::find_if(a.trk_to_high_conf_det.begin(), a.trk_to_high_conf_det.end(),
                             [&](const auto& e) { return e.first == id; });
      if (it == a.trk_to_high_conf_det.end())
        a.trk_to_high_conf_det.emplace_back(id, static_cast<int>(n));
      else
        it->second = static_cast<int>(n);
    }
  }
  return a;
}

// ref: sam3_video_base.py _process_hotstart
std::set<int> HotstartState::process(int frame, bool reverse, const Association& assoc,
                                     const std::vector<int>& new_ids, const ConceptVideoOptions& o) {
  std::set<int> newly_removed;
  const int hotstart_diff = reverse ? frame + o.hotstart_delay : frame - o.hotstart_delay;
  auto within_hotstart = [&](int id) {
    const int first = obj_first_frame.at(id);
    return (first > hotstart_diff && !reverse) || (first < hotstart_diff && reverse);
  };
  for (int id : new_ids) {
    obj_first_frame.emplace(id, frame);
    keep_alive[id] = o.init_trk_keep_alive;
  }
  std::set<int> matched;
  for (const auto& [d, ids] : assoc.det_to_matched_trks) matched.insert(ids.begin(), ids.end());
  for (int id : matched) keep_alive[id] = std::min(o.max_trk_keep_alive, keep_alive[id] + 1);
  for (int id : assoc.unmatched_trks) {
    if (!unmatched_frames.count(id)) unmatched_order.push_back(id);
    unmatched_frames[id].push_back(frame);
    keep_alive[id] = std::max(o.min_trk_keep_alive, keep_alive[id] - 1);
  }
  if (o.decrease_trk_keep_alive_for_empty_masklets)
    for (int id : assoc.empty_trks) keep_alive[id] = std::max(o.min_trk_keep_alive, keep_alive[id] - 1);

  std::set<int>& suppressed_now = suppressed[frame];
  for (int id : unmatched_order) {
    if (removed.count(id) || newly_removed.count(id)) continue;
    if (static_cast<int>(unmatched_frames[id].size()) >= o.hotstart_unmatch_thresh && within_hotstart(id))
      newly_removed.insert(id);
    if (keep_alive[id] <= 0 && !o.suppress_unmatched_only_within_hotstart && !removed.count(id) &&
        !newly_removed.count(id))
      suppressed_now.insert(id);
  }
  for (const auto& [d, ids] : assoc.det_to_matched_trks) {
    if (ids.size() < 2) continue;
    // min (max in reverse) first frame; ties → the first in the list, as Python's min/max
    int keeper = ids[0];
    for (int id : ids) {
      const int f = obj_first_frame.at(id), fk = obj_first_frame.at(keeper);
      if (reverse ? f > fk : f < fk) keeper = id;
    }
    for (int id : ids) {
      if (id == keeper) continue;
      const std::pair<int, int> key{keeper, id};
      auto it = std::find_if(overlap_pairs.begin(), overlap_pairs.end(),
                             [&](const auto& e) { return e.first == key; });
      if (it == overlap_pairs.end()) {
        overlap_pairs.push_back({key, {}});
        it = overlap_pairs.end() - 1;
      }
      it->second.push_back(frame);
    }
  }
  for (const auto& [key, frames] : overlap_pairs) {
    const int id = key.second;
    if (removed.count(id) || newly_removed.count(id)) continue;
    if (within_hotstart(id) && static_cast<int>(frames.size()) >= o.hotstart_dup_thresh)
      newly_removed.insert(id);
  }
  removed.insert(newly_removed.begin(), newly_removed.end());
  return newly_removed;
}

// ref: sam3_video_base.py _get_objects_to_suppress_based_on_most_recently_occluded
std::vector<bool> suppress_by_recent_occlusion(const std::vector<std::vector<uint8_t>>& masks,
                                               const std::vector<int64_t>& last_occluded, float iou_threshold,
                                               bool reverse) {
  const size_t n = masks.size();
  std::vector<bool> suppress(n, false);
  if (n <= 1) return suppress;
  const std::vector<float> iou = mask_iou(masks, masks);
  auto cmp = [&](int64_t a, int64_t b) { return reverse ? a < b : a > b; };
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      if (!(iou[i * n + j] >= iou_threshold)) continue;
      if (cmp(last_occluded[i], last_occluded[j]) && last_occluded[j] > -1) suppress[i] = true;
      if (cmp(last_occluded[j], last_occluded[i]) && last_occluded[i] > -1) suppress[j] = true;
    }
  return suppress;
}

// ref: Sam3TrackerPredictor._suppress_object_pw_area_shrinkage (→ _apply_non_overlapping_constraints
// and _suppress_shrinked_masks)
void suppress_pixelwise_area_shrinkage(std::vector<std::vector<float>>& masks, float shrink_threshold) {
  const size_t B = masks.size();
  if (B <= 1) return;  // a single object is its own non-overlapping mask
  const size_t n = masks[0].size();
  std::vector<int64_t> before(B, 0), after(B, 0);
  for (size_t p = 0; p < n; ++p) {
    size_t best = 0;
    for (size_t b = 1; b < B; ++b)
      if (masks[b][p] > masks[best][p]) best = b;  // torch.argmax: first maximum
    for (size_t b = 0; b < B; ++b) {
      const float v = masks[b][p];
      before[b] += v > 0.f;
      const float nov = b == best ? v : std::min(v, -10.f);
      after[b] += nov > 0.f;
    }
  }
  for (size_t b = 0; b < B; ++b) {
    const float ratio = static_cast<float>(after[b]) / static_cast<float>(std::max<int64_t>(before[b], 1));
    if (ratio >= shrink_threshold) continue;
    for (float& v : masks[b]) v = std::min(v, -10.f);
  }
}

// ref: Sam3TrackerPredictor._apply_object_wise_non_overlapping_constraints(background_value=0)
void object_wise_non_overlap(std::vector<std::vector<uint8_t>>& masks, const std::vector<float>& probs) {
  const size_t B = masks.size();
  if (B <= 1) return;
  const size_t n = masks[0].size();
  for (size_t p = 0; p < n; ++p) {
    // single-score maps: prob where covered, 0 elsewhere; argmax over objects (first on ties)
    size_t best = 0;
    float best_v = masks[0][p] ? probs[0] : 0.f;
    for (size_t b = 1; b < B; ++b) {
      const float v = masks[b][p] ? probs[b] : 0.f;
      if (v > best_v) {
        best = b;
        best_v = v;
      }
    }
    for (size_t b = 0; b < B; ++b) {
      if (!masks[b][p]) continue;
      const bool keeps = b == best && probs[b] > 0.f;
      if (!keeps) masks[b][p] = 0;
    }
  }
}

std::array<float, 4> mask_box_xywh_normalized(const uint8_t* mask, int width, int height) {
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (mask[static_cast<size_t>(y) * width + x]) {
        x0 = std::min(x0, x);
        x1 = std::max(x1, x);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
      }
  if (x1 < 0) return {0.f, 0.f, 0.f, 0.f};
  const float W = static_cast<float>(width), H = static_cast<float>(height);
  return {static_cast<float>(x0) / W, static_cast<float>(y0) / H, static_cast<float>(x1 - x0) / W,
          static_cast<float>(y1 - y0) / H};
}

}  // namespace sam3rt::pipeline
