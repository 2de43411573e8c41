// VideoSession: track objects through a video from clicks, boxes or masks on any frames (the
// tracker half of ref: sam3/model/sam3_video_predictor.py Sam3VideoPredictor, driving
// pipeline::VideoTracker, the official Sam3TrackerPredictor state machine). Frames are decoded and
// encoded (vision backbone + tracker neck) when a step needs them, never all up front, so memory
// does not grow with the length of the video; results are kept only as RLE.
#pragma once

#include <array>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "core/context.h"
#include "io/video-source.h"
#include "pipeline/rle.h"
#include "pipeline/video-tracker.h"

namespace sam3rt {
class Sam3ImageModel;
}  // namespace sam3rt

namespace sam3rt::pipeline {

enum class PropagateDirection { kForward, kBackward, kBoth };

struct VideoObjectResult {
  int id = 0;
  float score = 0;                  // σ(object score logit): the object is judged present above 0.5
  std::array<float, 4> box_xyxy{};  // tight box of the mask (pipeline/mask-box.h); zeros when empty
  Rle mask;                         // at video resolution
};

struct VideoFrameResult {
  int frame = 0;
  std::vector<VideoObjectResult> objects;  // in the order objects were first prompted
};

struct VideoSessionOptions {
  // ref: build_tracker(apply_temporal_disambiguation=True) in build_sam3_video_model: memory
  // frames are chosen by their predicted quality.
  bool use_memory_selection = true;
  // Drop, during propagation, the frame outputs no later frame can select (VideoTracker::
  // set_bounded_memory): memory stays flat however long the video; the propagated masks are the
  // same. Off = keep every frame's output, as the official predictor does.
  bool bounded_memory = true;
};

class VideoSession {
 public:
  // The model must hold tracker weights (kUnsupported otherwise).
  VideoSession(std::shared_ptr<const Sam3ImageModel> model, std::unique_ptr<io::FrameSource> frames,
               const VideoSessionOptions& options = {});
  ~VideoSession();

  const io::VideoInfo& info() const { return frames_->info(); }
  int num_frames() const { return tracker_->num_frames(); }
  const std::vector<int>& object_ids() const { return tracker_->object_ids(); }

  // Prompts (ref: Sam3TrackerPredictor add_new_points_or_box / add_new_mask). Coordinates are
  // pixels of the video frame. A new object id is accepted only before the first propagate (or
  // after reset); a frame outside the video, non-finite coordinates or an empty prompt are
  // kInvalidArgument. Each call replaces the object's earlier prompt on that frame.
  void add_points(int frame, int obj_id, const std::vector<VideoClick>& clicks);
  // box: x0, y0, x1, y1; clicks (optional) refine it.
  void add_box(int frame, int obj_id, const std::array<float, 4>& box,
               const std::vector<VideoClick>& clicks = {});
  // mask: row-major [height, width], non-zero = object; any size (resized to the video).
  void add_mask(int frame, int obj_id, const uint8_t* mask, int width, int height);
  // kInvalidArgument for an id that was never prompted.
  void remove_object(int obj_id);
  // Forgets every object and prompt (the frames stay open).
  void reset();

  // start: default the first prompted frame; max_frames: frames to track after the start one
  // (official max_frame_num_to_track), default all. forward: start, start+1, ...; backward: start,
  // start−1, ... (Sam3TrackerPredictor: the start frame is included); both: forward, then backward
  // from start−1 as Sam3VideoPredictor.propagate_in_video does (Sam3VideoInference's reverse order
  // starts at start−1), so every frame is reported once. on_frame gets each frame in processing
  // order. kInvalidArgument when nothing was prompted or start is outside the video.
  void propagate(PropagateDirection direction, std::optional<int> start, std::optional<int> max_frames,
                 const std::function<void(const VideoFrameResult&)>& on_frame);

  // How many times a frame went through the vision backbone (frames are not cached, so a frame
  // visited by both a prompt and propagation may count twice).
  int frames_encoded() const { return frames_encoded_; }

  void set_context(const Context& context) { context_ = context; }

 private:
  TrackerImageFeatures encode(int frame);
  Tensor load_pixels(int frame) const;  // decode + preprocess → [1, 3, S, S]

  std::shared_ptr<const Sam3ImageModel> model_;
  std::unique_ptr<io::FrameSource> frames_;
  std::unique_ptr<Sam3Tracker> tracker_model_;
  std::unique_ptr<VideoTracker> tracker_;
  int frames_encoded_ = 0;
  Context context_;
  // The next frame in the direction of travel is decoded and preprocessed on another thread
  // while the model works on this one (declared last: destroyed, i.e. waited for, first).
  int last_frame_ = -1, prefetch_frame_ = -1;
  std::future<Tensor> prefetch_;
};

// One tracked frame (logits at video resolution) as results: score, box, RLE per object.
VideoFrameResult to_frame_result(const TrackedFrame& frame);

}  // namespace sam3rt::pipeline
