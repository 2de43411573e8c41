// The host-side rules of SAM 3's concept tracking in video (ref: sam3/model/sam3_video_base.py
// Sam3VideoBase and sam3/perflib): mask NMS of the detections, detection–track association, the
// hotstart bookkeeping, suppression by recent occlusion, hole filling, the memory-update
// shrinkage rule and the frame output's object-wise non-overlap. Masks are row-major float logits
// (or 0/1 bytes) of one size; every function is deterministic and independent of the device.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sam3rt::pipeline {

// Every threshold of the concept video model, with the official defaults of
// build_sam3_video_model(apply_temporal_disambiguation=True) (ref: sam3/model_builder.py). The
// ablation build (apply_temporal_disambiguation=False) differs in hotstart_delay = 0,
// hotstart_unmatch_thresh = hotstart_dup_thresh = 0, recondition_every_nth_frame = 0 and
// use_memory_selection = false.
struct ConceptVideoOptions {
  float score_threshold_detection = 0.5f;  // detections: σ(joint logit) > this
  float det_nms_thresh = 0.1f;             // mask NMS between detections (≤ 0: off)
  float assoc_iou_thresh = 0.1f;           // a detection matches a track at IoU ≥ this
  float trk_assoc_iou_thresh = 0.5f;       // a track counts as matched at IoU ≥ this
  float new_det_thresh = 0.7f;             // a new object needs a detection score ≥ this
  int hotstart_delay = 15;                 // frames of output delay; 0 = off
  int hotstart_unmatch_thresh = 8;         // unmatched frames that remove a young object
  int hotstart_dup_thresh = 8;             // duplicate frames that remove a young object
  bool suppress_unmatched_only_within_hotstart = true;
  int init_trk_keep_alive = 30;
  int max_trk_keep_alive = 30;
  int min_trk_keep_alive = -1;
  bool decrease_trk_keep_alive_for_empty_masklets = false;
  float suppress_overlapping_based_on_recent_occlusion_threshold = 0.7f;  // ≤ 0: off
  int fill_hole_area = 16;               // hole filling / sprinkle removal (≤ 0: off)
  int recondition_every_nth_frame = 16;  // ≤ 0: off
  int max_num_objects = -1;              // ≤ 0: no limit (official: 10000)
  int refinement_detector_cond_frame_removal_window = 16;
  bool use_memory_selection = true;  // the tracker's (ref: build_tracker)
  // sam3rt's, not the official code's: drop, while propagating, the tracker outputs no later frame
  // can read (ConceptVideo::set_bounded_memory); off = keep everything as the official code does.
  bool bounded_memory = true;
};

// Sets one option by its official name (the keyword of Sam3VideoBase / Sam3VideoInference /
// Sam3VideoInferenceWithInstanceInteractivity, e.g. "new_det_thresh"; "tracker_use_memory_selection"
// or "use_memory_selection" for the tracker's). Integer and boolean options take integral values.
// Throws kInvalidArgument for an unknown name, a non-finite value or a fraction where an integer
// is due.
void set_concept_option(ConceptVideoOptions& options, const std::string& name, double value);
// Every option's official name, in declaration order.
std::vector<std::string> concept_option_names();

// ref: sam3_video_base.py _associate_det_trk HIGH_CONF_THRESH / HIGH_IOU_THRESH and
// _recondition_masklets HIGH_CONF_THRESH: constants of the official code, not hyperparameters.
inline constexpr float kHighConfidenceScore = 0.8f;
inline constexpr float kHighConfidenceIou = 0.8f;
inline constexpr float kReconditionObjectScoreLogit = 0.8f;

// IoU of binarised masks (logit > 0): |A∩B| / max(|A∪B|, 1) (ref: sam3/perflib/masks_ops.py
// mask_iou). a: N masks, b: M masks, each of `pixels` values → N×M row-major.
std::vector<float> mask_iou(const std::vector<std::vector<uint8_t>>& a,
                            const std::vector<std::vector<uint8_t>>& b);
std::vector<uint8_t> binarize(const float* logits, size_t pixels);

// ref: sam3/perflib/nms.py nms_masks with generic_nms_cpu: among detections with prob >
// prob_threshold, greedy NMS in descending probability (the CPU path's order: a reversed ascending
// sort, so equal probabilities go higher index first) suppressing mask IoU > iou_threshold.
// → keep flag per detection (false for those under the threshold).
std::vector<bool> nms_masks(const std::vector<float>& probs, const std::vector<std::vector<uint8_t>>& binary,
                            float prob_threshold, float iou_threshold);

// ref: sam3_tracker_utils.py fill_holes_in_mask_scores (fill_holes and remove_sprinkles): in one
// h×w logit map, 8-connected background components of area ≤ max_area → 0.1, then foreground
// components of area ≤ min(⌊fg_area/2⌋, max_area) → −0.1. In place; max_area ≤ 0: nothing.
void fill_holes_in_mask_scores(float* logits, int h, int w, int max_area);

struct Association {
  std::vector<int> new_dets;        // detection indices, ascending
  std::vector<int> unmatched_trks;  // object ids of non-empty tracks matched by no detection
  std::vector<int> empty_trks;      // object ids of tracks with an empty mask
  std::map<int, std::vector<int>> det_to_matched_trks;  // det → ids with IoU ≥ assoc_iou_thresh
  // id → detection (reconditioning), in the order ids were first entered (a Python dict)
  std::vector<std::pair<int, int>> trk_to_high_conf_det;
};

// ref: sam3_video_base.py _associate_det_trk (o2o matching off). Masks of one size (binary),
// det_scores per detection, trk_ids per track.
Association associate_detections(const std::vector<std::vector<uint8_t>>& det_masks,
                                 const std::vector<float>& det_scores,
                                 const std::vector<std::vector<uint8_t>>& trk_masks,
                                 const std::vector<int>& trk_ids, const ConceptVideoOptions& options);

// The hotstart bookkeeping kept on rank 0 (ref: sam3_video_base.py _initialize_metadata
// rank0_metadata and _process_hotstart).
struct HotstartState {
  std::map<int, int> obj_first_frame;
  std::map<int, std::vector<int>> unmatched_frames;  // id → frames (ordered by insertion of the id)
  std::vector<int> unmatched_order;                  // ids in first-insertion order (dict order)
  std::map<int, int> keep_alive;
  std::vector<std::pair<std::pair<int, int>, std::vector<int>>> overlap_pairs;  // dict order
  std::set<int> removed;
  std::map<int, std::set<int>> suppressed;  // frame → ids hidden on that frame

  // → the ids newly removed on this frame (also added to `removed`).
  std::set<int> process(int frame, bool reverse, const Association& assoc, const std::vector<int>& new_ids,
                        const ConceptVideoOptions& options);
};

// ref: sam3_video_base.py _get_objects_to_suppress_based_on_most_recently_occluded. masks: the
// tracks' binary masks; last_occluded per track (−1 never). → suppress flag per track.
std::vector<bool> suppress_by_recent_occlusion(const std::vector<std::vector<uint8_t>>& masks,
                                               const std::vector<int64_t>& last_occluded, float iou_threshold,
                                               bool reverse);

// ref: Sam3TrackerPredictor._suppress_object_pw_area_shrinkage on B masks of `pixels` logits:
// pixel-wise non-overlap (the highest logit keeps a pixel, first index on ties; the others are
// clamped to ≤ −10), then every mask whose area shrank below 0.3 of its own is clamped to ≤ −10;
// the others keep their original logits. In place.
void suppress_pixelwise_area_shrinkage(std::vector<std::vector<float>>& masks, float shrink_threshold = 0.3f);

// ref: Sam3TrackerPredictor._apply_object_wise_non_overlapping_constraints(background_value=0) on
// binary masks: each pixel stays only with the covering object of the highest probability (lower
// index on ties), and only when that probability is > 0. In place.
void object_wise_non_overlap(std::vector<std::vector<uint8_t>>& masks, const std::vector<float>& probs);

// torchvision masks_to_boxes + box_xyxy_to_xywh, normalised by the frame size: inclusive pixel
// extents (x0, y0, x1 − x0, y1 − y0) / (W, H, W, H); zeros for an empty mask.
std::array<float, 4> mask_box_xywh_normalized(const uint8_t* mask, int width, int height);

}  // namespace sam3rt::pipeline
