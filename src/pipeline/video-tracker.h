// The SAM 2-style video tracker's state machine (ref: sam3/model/sam3_tracking_predictor.py
// Sam3TrackerPredictor): objects prompted with points, boxes or masks on any frame, consolidation
// of per-object results into batched frame outputs, and propagation forward or backward through
// the video. The network is model/sam3-tracker.h; frame features come from a provider so that
// frames are decoded and encoded only when a step needs them.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/sam3-tracker.h"

namespace sam3rt::pipeline {

// A click in pixels of the video frame (continuous coordinates); label 1 positive, 0 negative.
struct VideoClick {
  float x = 0, y = 0;
  int label = 1;
};

// One propagated frame: every object's masks, in the order of object_ids().
struct TrackedFrame {
  int frame = 0;
  std::vector<int> object_ids;
  Tensor low_res_masks;        // [B, 1, 4g, 4g] mask logits
  Tensor video_res_masks;      // [B, 1, H, W] mask logits at video resolution (> 0 = object)
  Tensor object_score_logits;  // [B, 1]
};

class VideoTracker {
 public:
  // The tracker's features of frame i (batch 1); called at most once per step, never cached here
  // beyond the most recent frame (ref: Sam3TrackerPredictor._get_image_feature).
  using FeatureProvider = std::function<TrackerImageFeatures(int frame)>;

  VideoTracker(const Sam3Tracker& model, FeatureProvider features, int num_frames, int video_width,
               int video_height);

  int num_frames() const { return num_frames_; }
  const std::vector<int>& object_ids() const { return obj_ids_; }

  // ref: add_new_points_or_box. Points in video pixels; an optional box (x0, y0, x1, y1) goes first
  // as two corners. clear_old_points replaces the object's prompt on that frame. New objects only
  // before tracking has started (kInvalidArgument after). → the frame's masks of all objects at
  // video resolution [B, 1, H, W].
  Tensor add_points(int frame, int obj_id, const std::vector<VideoClick>& clicks,
                    const std::optional<std::array<float, 4>>& box = std::nullopt,
                    bool clear_old_points = true);
  // ref: add_new_mask. mask: [H', W'] (any size; > 0.5 after resizing to the video = object).
  Tensor add_mask(int frame, int obj_id, const Tensor& mask);

  // ref: propagate_in_video_preflight + propagate_in_video. start: default the first conditioning
  // frame; max_frames: default all. Calls on_frame for each frame in processing order.
  // then_backward_from_before_start: a backward pass from start − 1 follows (the "both" direction);
  // with bounded memory, what that pass will read is kept.
  void propagate(std::optional<int> start, std::optional<int> max_frames, bool reverse,
                 const std::function<void(const TrackedFrame&)>& on_frame,
                 bool then_backward_from_before_start = false);

  // Bounded memory. The official predictor keeps every tracked frame's output (memory features,
  // logits, pointer) for the whole session, so memory grows with the video. With bounded memory on,
  // a propagation drops, as it goes, the non-conditioning outputs that no later frame of the pass
  // can select — frames more than W = max(num_maskmem, max_obj_ptrs) − 1 behind it, unless they
  // are among the K = min(frames, max_obj_ptrs) − 1 nearest frames behind it whose memory score
  // passes the selection threshold (memory selection only) — and none that the announced next
  // pass reads. Conditioning (prompted) frames are always kept. The masks of every propagation are
  // the same as with everything kept (tests/unit/test-video-tracker-memory.cpp); a prompt added
  // later on a dropped frame sees no earlier output there, as on a frame never tracked.
  void set_bounded_memory(bool on) { bounded_memory_ = on; }
  // Frames whose non-conditioning output is held (for tests and memory accounting).
  size_t stored_non_cond_frames() const { return outputs_.non_cond.size(); }

  // ref: remove_object (strict) and clear_all_points_in_video.
  void remove_object(int obj_id);
  void reset();
  bool has_object(int obj_id) const;

  // The concept pipeline's primitives (pipeline/concept-video.h drives one tracker per batch of
  // objects born on the same frame):
  // ref: propagate_in_video_preflight — consolidates the prompts given since the last call.
  void preflight();
  // ref: propagate_in_video(start=frame, max_frame_num_to_track=0, reverse, run_mem_encoder) without
  // preflight: exactly one frame.
  TrackedFrame track_frame(int frame, bool reverse, bool run_mem_encoder);
  // ref: Sam3VideoBase._tracker_update_memories: replaces the memory of `frame` (where it is held,
  // conditioning or not) with maskmem_features [B, mem, g, g], batched like object_ids().
  void set_frame_memory(int frame, const Tensor& maskmem_features);
  // Frames where obj_id has a mask prompt and no points (ref: clear_detector_added_cond_frame_in_tracker).
  std::vector<int> mask_only_frames(int obj_id) const;
  // ref: clear_all_points_in_frame(need_output=False) for one object.
  void clear_points_in_frame(int frame, int obj_id);
  // Bounded memory for a caller that steps frames itself (track_frame): after `frame` of a pass in
  // direction `reverse`, drops what set_bounded_memory's propagation would drop; pinned_first >= 0
  // keeps what a later backward pass from that frame reads.
  void release_unreachable(int frame, bool reverse, int pinned_first) { evict(frame, reverse, pinned_first); }

  // Named intermediates of later calls go to `dump` under "<prefix>.f<frame>.<track|memenc><k>.*"
  // (the video fixtures' names; tests/data/sam3-tiny-video/README.md). Null turns it off.
  void set_dump(TensorDump* dump, const std::string& prefix);

 private:
  struct ObjectState {
    std::map<int, std::vector<SamPoint>> points;  // per frame, model frame
    std::set<int> mask_frames;                    // frames with a mask prompt
    TrackerMemoryBank outputs;                    // per-object slices of the batched outputs
    TrackerMemoryBank temp;                       // results of prompts not yet consolidated
  };

  int object_index(int obj_id, bool create);
  TrackerImageFeatures features(int frame);
  TrackerDump scope(int frame, const char* kind);
  // ref: _run_single_frame_inference → the compact output (maskmem stored float32 here)
  TrackerFrameOutput run_single_frame(const TrackerMemoryBank& memory, int frame, int batch,
                                      bool is_init_cond_frame, const std::vector<SamPoint>* points,
                                      const Tensor& mask_inputs, bool reverse, bool run_mem_encoder,
                                      const Tensor& prev_logits, bool use_prev_mem_frame);
  // ref: _consolidate_temp_output_across_obj
  TrackerFrameOutput consolidate(int frame, bool is_cond, bool run_mem_encoder, bool at_video_res);
  Tensor empty_mask_pointer(int frame);
  Tensor video_res(const Tensor& masks) const;  // ref: _get_orig_video_res_output
  void add_output_per_object(int frame, const TrackerFrameOutput& out, bool cond);
  void clear_non_cond_mem_around_input(int frame);
  // Bounded memory: drop what no later frame of this pass (frame f, direction reverse) nor the
  // pinned backward pass (first frame pinned_first, when >= 0) can read.
  void evict(int f, bool reverse, int pinned_first);
  bool is_valid_memory(int frame) const;
  void clear_all_points_in_frame(int frame, int obj_idx);
  void reset_tracking_results();

  const Sam3Tracker& model_;
  FeatureProvider provider_;
  int num_frames_, width_, height_;
  std::vector<int> obj_ids_;
  std::vector<ObjectState> objects_;
  TrackerMemoryBank outputs_;  // batched over all objects
  std::set<int> consolidated_cond_, consolidated_non_cond_;
  bool tracking_started_ = false;
  std::map<int, bool> frames_tracked_;  // frame → tracked in reverse
  std::optional<int> first_ann_frame_;
  int cached_frame_ = -1;
  TrackerImageFeatures cached_features_;
  bool bounded_memory_ = false;
  TensorDump* dump_ = nullptr;
  std::string dump_prefix_;
  std::map<std::string, int> dump_counts_;
};

}  // namespace sam3rt::pipeline
