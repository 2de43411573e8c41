// Concept segmentation in video: every instance of a noun phrase (and/or one exemplar box) found,
// tracked and kept apart through a video (ref: sam3/model/sam3_video_inference.py
// Sam3VideoInferenceWithInstanceInteractivity over sam3/model/sam3_video_base.py Sam3VideoBase).
// Each frame: the detector and the tracker's neck on one backbone pass, one tracking step of every
// tracker state, association of detections with tracks, new objects as a new tracker state,
// the hotstart rules, periodic reconditioning, suppression of overlaps by recent occlusion, memory
// updates with the shrinkage rule, and the frame's output (boxes from masks, object-wise
// non-overlap). Hotstart delays emitted frames by hotstart_delay − 1 and hides removed objects
// retroactively. Clicks refine or add single objects and re-propagate only those (partial
// propagation); a later propagation over frames already done replays the cache (fetch).
// The host-side rules are pipeline/concept-heuristics.h; the tracker states pipeline/video-tracker.h.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/features.h"
#include "model/sam3-tracker.h"
#include "pipeline/concept-heuristics.h"
#include "pipeline/rle.h"
#include "pipeline/video-tracker.h"

namespace sam3rt {
class Sam3ImageModel;
}  // namespace sam3rt

namespace sam3rt::pipeline {

// One object of an emitted frame (ref: Sam3VideoInference._postprocess_output).
struct ConceptObject {
  int id = 0;
  float score = 0;                  // out_probs: the detection probability at birth (1 for clicked objects)
  float tracker_score = 0;          // σ(tracker object-score logit) on this frame (0 when unknown)
  std::array<float, 4> box_xywh{};  // from the mask before non-overlap, normalised by W and H
  Rle mask;                         // at video resolution, after the object-wise non-overlap
};

struct ConceptFrame {
  int frame = 0;
  std::vector<ConceptObject> objects;  // ids ascending
  // frame_stats (null in the reference for fetched or refined frames: -1 here)
  int num_obj_tracked = -1, num_obj_dropped = -1;
};

// What one run of the per-frame algorithm decided (the fixtures' per-frame record), for tests.
struct ConceptFrameTrace {
  int frame = 0;
  bool reverse = false, allow_new_detections = false, partial = false;
  std::vector<float> det_raw_logits, det_logits;    // [Q] before / after NMS and gating
  std::vector<int> det_query_idx;                   // kept queries (ascending)
  std::vector<float> det_scores;                    // [D]
  std::vector<std::vector<float>> det_masks;        // D × L·L logits
  std::vector<int> trk_obj_ids;                     // tracks before the frame
  std::vector<std::vector<float>> trk_masks;        // M × L·L (filled)
  std::vector<float> trk_obj_score_logits;          // [M]
  std::vector<std::vector<float>> trk_final_masks;  // after occlusion suppression
  Association assoc;
  std::vector<int> new_obj_ids;
  std::set<int> newly_removed, removed, suppressed, occlusion_suppressed;
  bool reconditioned = false;
  std::map<int, int64_t> last_occluded;
  std::vector<int> obj_ids_after;
  std::map<int, float> obj_id_to_score, tracker_scores;
};

// The frames of a video as the model's input (decoded, resized, normalised): [1, 3, S, S].
using PixelProvider = std::function<Tensor(int frame)>;
// A text's features (tokenised and encoded; the caller may cache).
using TextProvider = std::function<TextFeatures(const std::string& text)>;

// An exemplar box: normalised x, y, w, h in [0, 1] of the video frame, and its label.
struct ConceptBox {
  std::array<float, 4> xywh{};
  bool positive = true;
};

enum class PropagationType { kFull, kPartial, kFetch };

class ConceptVideo {
 public:
  ConceptVideo(const Sam3ImageModel& model, const Sam3Tracker& tracker, PixelProvider pixels,
               TextProvider text, int num_frames, int video_width, int video_height,
               const ConceptVideoOptions& options = {});
  ~ConceptVideo();

  int num_frames() const { return num_frames_; }
  const ConceptVideoOptions& options() const { return options_; }

  // ref: Sam3VideoInference.add_prompt: a semantic prompt restarts the session (reset_state), then
  // runs the frame. text: none or "visual" = the box alone. At most one box (kInvalidArgument for
  // more, for coordinates outside [0, 1] or for neither text nor box). → the frame's output
  // (no hotstart hiding).
  ConceptFrame add_prompt(int frame, const std::optional<std::string>& text,
                          const std::optional<ConceptBox>& box);
  // ref: add_tracker_new_points: clicks (relative [0, 1] coordinates, label 1/0) on one object:
  // an existing id is refined, an unknown id becomes a new object. → the frame's output.
  ConceptFrame add_points(int frame, int obj_id, const std::vector<std::array<float, 2>>& points,
                          const std::vector<int>& labels);
  // ref: Sam3VideoInferenceWithInstanceInteractivity.remove_object (kInvalidArgument when unknown).
  void remove_object(int obj_id, bool is_user_action = true);
  // ref: reset_state: forgets prompts, objects, caches and history (the frames stay).
  void reset();

  // ref: propagate_in_video (one direction). start: default the first frame with outputs;
  // max_frames: default all. Forward start … min(start+max, N−1); reverse start−1 … max(start−max, 0).
  // Calls on_frame for every emitted frame. → the propagation type that ran.
  PropagationType propagate(std::optional<int> start, std::optional<int> max_frames, bool reverse,
                            const std::function<void(const ConceptFrame&)>& on_frame);

  // Object ids currently tracked, in tracker-state order (obj_ids_all_gpu).
  const std::vector<int>& object_ids() const { return obj_ids_; }
  bool has_prompt() const { return !frames_with_outputs_.empty(); }

  // Bounded memory (VideoTracker::set_bounded_memory, per tracker state): during a propagation the
  // frame outputs no later frame of it can read are dropped, so memory stays flat however long the
  // video; the propagated results are the same. backward_from: the first frame of a backward pass
  // that will follow (the "both" direction), whose memory is kept; −1 none. A click on a frame whose
  // output was dropped sees no previous mask there (the official code would use it).
  void set_bounded_memory(bool on) { bounded_memory_ = on; }
  void set_backward_pass_from(int frame) { backward_from_ = frame; }
  // The frame propagate() starts from when given no start (−1 when nothing was prompted).
  int default_start() const { return frames_with_outputs_.empty() ? -1 : *frames_with_outputs_.begin(); }

  // Per-frame records of later runs (null: off).
  void set_trace(std::vector<ConceptFrameTrace>* trace) { trace_ = trace; }
  // Tracker states alive (one per batch of objects born on a frame, one per clicked object).
  size_t tracker_states() const { return states_.size(); }
  // Non-conditioning frame outputs held over all tracker states (memory accounting, tests).
  size_t stored_tracker_frames() const {
    size_t n = 0;
    for (const auto& s : states_) n += s->stored_non_cond_frames();
    return n;
  }

 private:
  struct Detections {
    std::vector<float> raw_logits, logits;  // [Q]
    std::vector<int> query;                 // kept
    std::vector<float> scores;
    std::vector<std::vector<float>> masks;  // L·L logits each
  };
  struct BufferedDetection {
    std::optional<BoxPrompt> prompt;  // the geometric prompt it was (or will be) computed with
    bool computed = false;
    GroundingOutput out;
    TrackerImageFeatures features;
  };
  struct FrameOut {  // ref: _run_single_frame_inference's `out`
    std::map<int, Rle> masks;
    std::map<int, float> scores, tracker_scores;
    std::set<int> removed, suppressed;
    int num_obj_tracked = -1, num_obj_dropped = -1;
  };
  struct Action {
    std::string type;
    std::optional<int> frame;
    std::vector<int> obj_ids;
  };

  std::optional<BoxPrompt> geometric_prompt(int frame) const;
  // ref: run_backbone_and_detection (with Sam3ImageOnVideoMultiGPU's one-frame look-ahead buffer)
  Detections detect(int frame, bool reverse, bool allow_new_detections, ConceptFrameTrace* trace);
  void compute(BufferedDetection& entry, int frame);
  TrackerImageFeatures features(int frame);
  // ref: _det_track_one_frame + _run_single_frame_inference
  FrameOut run_frame(int frame, bool reverse);
  // ref: _postprocess_output
  ConceptFrame postprocess(int frame, const FrameOut& out, const std::set<int>& hidden) const;
  // ref: _propogate_tracker_one_frame_local_gpu
  void propagate_states(const std::vector<VideoTracker*>& states, int frame, bool reverse,
                        bool run_mem_encoder, std::vector<int>& ids, std::vector<std::vector<float>>& masks,
                        std::vector<float>& scores);
  void recondition(int frame, const Detections& det, const Association& assoc,
                   const std::vector<float>& trk_scores);
  void update_memories(int frame, const std::vector<std::vector<float>>& low_res);
  void add_new_objects(int frame, const std::vector<int>& ids, const Detections& det,
                       const std::vector<int>& dets);
  void remove_from_states(int obj_id);
  std::unique_ptr<VideoTracker> new_state();
  VideoTracker* state_of(int obj_id);
  std::pair<PropagationType, std::vector<int>> parse_action_history() const;
  std::vector<int> processing_order(std::optional<int> start, std::optional<int> max_frames, bool reverse,
                                    int* end_frame) const;
  std::map<int, Rle> cached_masks(int frame) const;
  void cache_frame(int frame, const std::map<int, Rle>& masks, const std::set<int>& hidden);
  Rle video_res_mask(const float* low_res) const;

  const Sam3ImageModel& model_;
  const Sam3Tracker& tracker_;
  PixelProvider pixels_;
  TextProvider text_provider_;
  int num_frames_, width_, height_;
  ConceptVideoOptions options_;
  int L_;  // low-res mask side (4g)
  bool bounded_memory_;

  // prompts
  std::optional<std::string> text_;
  std::map<int, BoxPrompt> geometric_prompts_;
  std::set<int> frames_with_outputs_;  // previous_stages_out
  std::optional<TextFeatures> text_features_;
  std::string text_features_key_;

  // features and detections
  std::map<int, BufferedDetection> buffer_;
  std::map<int, TrackerImageFeatures> feature_cache_;

  // tracker states and metadata (ref: _initialize_metadata)
  std::vector<std::unique_ptr<VideoTracker>> states_;
  bool metadata_initialized_ = false;
  std::vector<int> obj_ids_;
  int max_obj_id_ = -1;
  std::map<int, float> obj_id_to_score_;
  std::map<int, std::map<int, float>> tracker_scores_;  // frame → id → score
  std::map<int, int64_t> last_occluded_;
  HotstartState hotstart_;
  std::map<int, std::map<int, Rle>> cached_outputs_;
  std::vector<Action> actions_;

  std::vector<ConceptFrameTrace>* trace_ = nullptr;
  int backward_from_ = -1;
};

}  // namespace sam3rt::pipeline
