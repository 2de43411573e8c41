// The SAM 3 tracker's network, frame by frame (ref: sam3/model/sam3_tracker_base.py
// Sam3TrackerBase): the SAM heads of TrackerHeads driven by memory-conditioned features
// (_prepare_memory_conditioned_features: the memory bank of conditioning frames, recent frames and
// object pointers, through MemoryAttention), mask prompts used as output (_use_mask_as_output),
// new memories (_encode_new_memory through MemoryEncoder) and track_step, which ties them together.
// The bookkeeping of a video session (objects, prompts, which frames hold which outputs) is the
// caller's: pipeline/video-tracker.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/model-file.h"
#include "model/detector-layers.h"
#include "model/features.h"
#include "model/memory-attention.h"
#include "model/memory-encoder.h"
#include "model/position-encoding.h"
#include "model/sam-prompt-encoder.h"
#include "model/tracker-heads.h"

namespace sam3rt {

// What a tracked frame keeps for later frames, for a batch of B objects (the reference's
// "current_out" after _run_single_frame_inference). Tensors may be views into a larger batch.
struct TrackerFrameOutput {
  Tensor pred_masks;            // [B, 1, m, m] low-res mask logits (m = 4g; a mask prompt's own size
                                // 16g/14·4 for mask-prompted frames before consolidation); may be undefined
  Tensor pred_masks_video_res;  // [B, 1, H, W] a mask prompt at video resolution (±1024); usually undefined
  Tensor obj_ptr;               // [B, d]
  Tensor object_score_logits;   // [B, 1]
  Tensor iou_score;             // [B] best predicted IoU (memory selection only)
  std::optional<float> eff_iou_score;  // memory selection: mean over the batch of s·iou (ref: cal_mem_score)
  Tensor maskmem_features;             // [B, mem, g, g] or undefined (memory encoder not run)

  // Rows [i, i+1) of every batched tensor (views).
  TrackerFrameOutput slice(int64_t i) const;
};

// The memory a frame is tracked against: frame index → output, conditioning and not.
struct TrackerMemoryBank {
  std::map<int, TrackerFrameOutput> cond, non_cond;
};

// One object batch's prompt on a frame: points in model-frame pixels (S×S), labels −1..3.
struct TrackerPointInputs {
  std::vector<SamPoint> points;
};

// Records named intermediates of each step under "<scope>.<name>" (the video fixtures' names).
struct TrackerDump {
  TensorDump* dump = nullptr;
  std::string scope;  // set by the caller per step: "op3.f7.track0"
  void put(const std::string& name, const Tensor& t) const;
};

struct TrackStepArgs {
  int frame = 0;
  bool is_init_cond_frame = false;
  const std::vector<SamPoint>* points = nullptr;  // one prompt set (B = 1) or null
  Tensor mask_inputs;                             // [B, 1, h, w] (0/1 or soft) or undefined
  const TrackerMemoryBank* memory = nullptr;
  int num_frames = 0;
  bool reverse = false;
  bool run_mem_encoder = true;
  Tensor prev_sam_mask_logits;  // [B, 1, m, m] or undefined
  bool use_prev_mem_frame = true;
  int batch = 1;
};

struct TrackStepResult {
  TrackerFrameOutput out;
  Tensor high_res_masks;  // [B, 1, S, S] (or the mask prompt's 16g size for mask-prompted frames)
};

struct TrackerOptions {
  // ref: build_tracker(apply_temporal_disambiguation): True in build_sam3_video_model (the default
  // here), False for the image model's instance predictor.
  bool use_memory_selection = true;
  float mf_threshold = 0.01f;  // ref: Sam3TrackerBase mf_threshold
};

class Sam3Tracker {
 public:
  // Reads the SAM2 neck branch and every tracker.* tensor; throws kFormat naming the first missing
  // or mis-shaped tensor.
  Sam3Tracker(const Sam3Config& config, const WeightStore& weights, TrackerOptions options = {});
  ~Sam3Tracker();

  const Sam3Config& config() const { return config_; }
  const TrackerOptions& options() const { return options_; }
  const TrackerHeads& heads() const { return *heads_; }
  int image_size() const { return config_.image_size; }
  int low_res_size() const { return config_.low_res_mask_size(); }  // 4g
  int input_mask_size() const { return 4 * low_res_size(); }        // 16g: mask prompts are resized to it

  // trunk [1, C, g, g] → the frame's tracker features (SAM2 neck, conv_s0/conv_s1).
  TrackerImageFeatures encode_frame(const Tensor& trunk) const { return heads_->encode_image(trunk); }

  // ref: Sam3TrackerBase.track_step. features: the frame's (batch 1; expanded to args.batch).
  TrackStepResult track_step(const TrackerImageFeatures& features, const TrackStepArgs& args,
                             const TrackerDump& dump) const;

  // ref: Sam3TrackerBase._encode_new_memory. high_res_masks [B, 1, h, w], object_score_logits [B, 1]
  // → maskmem_features [B, mem, g, g] (no-object embedding added where the score is ≤ 0).
  Tensor encode_new_memory(const TrackerImageFeatures& features, const Tensor& high_res_masks,
                           const Tensor& object_score_logits, bool is_mask_from_pts) const;

  // ref: Sam3TrackerBase._apply_non_overlapping_constraints: at each pixel only the object with the
  // highest logit keeps it, the others are clamped to ≤ −10. masks [B, 1, h, w].
  static Tensor apply_non_overlapping_constraints(const Tensor& masks);

  // ref: Sam3TrackerBase.cal_mem_score: mean of s·iou with s = 2σ(score) − 1 where the score is
  // positive, else 0. scores [B, 1]; ious [B] (a step's best IoUs: the reference broadcasts [B, 1]
  // × [B], i.e. the mean over all pairs) or [B, 1] (a consolidated output: row by row).
  static float memory_score(const Tensor& object_score_logits, const Tensor& iou_score);

  Device device() const { return device_; }

  // The mask logit of an absent object (ref: sam3_tracker_base.py NO_OBJ_SCORE).
  static constexpr float kNoObjScore = -1024.f;

 private:
  struct SamHeadsOutput {
    Tensor low_res_multimasks, high_res_multimasks, ious, low_res_masks, high_res_masks, obj_ptr,
        object_score_logits;
  };
  // ref: Sam3TrackerBase._forward_sam_heads
  SamHeadsOutput forward_sam_heads(const Tensor& backbone_features, const TrackerImageFeatures& features,
                                   int batch, const std::vector<SamPoint>* points, const Tensor& mask_inputs,
                                   bool multimask, const TrackerDump& dump) const;
  // ref: Sam3TrackerBase._use_mask_as_output
  SamHeadsOutput use_mask_as_output(const TrackerImageFeatures& features, int batch,
                                    const Tensor& mask_inputs, const TrackerDump& dump) const;
  // ref: Sam3TrackerBase._prepare_memory_conditioned_features → [B, d, g, g]
  Tensor memory_conditioned_features(const TrackerImageFeatures& features, const TrackStepArgs& args,
                                     const TrackerDump& dump) const;
  // ref: Sam3TrackerBase.frame_filter (memory selection)
  std::vector<int> frame_filter(const TrackerMemoryBank& memory, bool reverse, int frame,
                                int num_frames) const;
  // ref: Sam3TrackerBase._get_tpos_enc: relative positions → [P, mem]
  Tensor pointer_position_encoding(const std::vector<int>& positions, int max_abs_pos) const;
  bool use_multimask(bool is_init_cond_frame, const std::vector<SamPoint>* points) const;

  Sam3Config config_;
  TrackerOptions options_;
  Device device_;
  std::unique_ptr<TrackerHeads> heads_;
  MemoryEncoder memory_encoder_;
  MemoryAttention memory_attention_;
  SinePositionEncoding level_pos_, memory_pos_;  // d and mem_dim channels
  Mlp obj_ptr_proj_;
  Linear obj_ptr_tpos_proj_;
  Tensor mask_downsample_w_, mask_downsample_b_;  // Conv2d 1→1 k4 s4
  Tensor maskmem_tpos_enc_;                       // [num_maskmem, 1, 1, mem]
  Tensor no_obj_ptr_;                             // [1, d]
  Tensor no_obj_embed_spatial_;                   // [1, mem]
  Tensor no_mem_embed_;                           // [1, 1, d]
};

}  // namespace sam3rt
