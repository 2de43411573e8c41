#include "pipeline/video-session.h"

#include <cmath>

#include "core/error.h"
#include "core/log.h"
#include "io/image.h"
#include "model/sam3-image.h"
#include "pipeline/mask-box.h"
#include "pipeline/preprocess.h"

namespace sam3rt::pipeline {


VideoFrameResult to_frame_result(const TrackedFrame& frame) {
  // masks: [B, 1, H, W] logits; scores: [B, 1]
  const Tensor masks = frame.video_res_masks.to(Device::cpu()).contiguous();
  const Tensor scores = frame.object_score_logits.to(Device::cpu()).contiguous();
  const int height = static_cast<int>(masks.size(2)), width = static_cast<int>(masks.size(3));
  const size_t plane = static_cast<size_t>(width) * height;
  VideoFrameResult out;
  out.frame = frame.frame;
  std::vector<uint8_t> binary(plane);
  for (size_t b = 0; b < frame.object_ids.size(); ++b) {
    const float* logits = masks.data<float>() + b * plane;
    // ref: Sam3VideoPredictor outputs binarise video_res_masks > 0
    for (size_t p = 0; p < plane; ++p) binary[p] = logits[p] > 0.f ? 1 : 0;
    VideoObjectResult obj;
    obj.id = frame.object_ids[b];
    obj.score = 1.f / (1.f + std::exp(-scores.data<float>()[b]));
    obj.box_xyxy = mask_box(binary.data(), width, height);
    obj.mask = rle_encode(binary.data(), height, width);
    out.objects.push_back(std::move(obj));
  }
  return out;
}

VideoSession::VideoSession(std::shared_ptr<const Sam3ImageModel> model,
                           std::unique_ptr<io::FrameSource> frames, const VideoSessionOptions& options)
    : model_(std::move(model)), frames_(std::move(frames)) {
  SAM3RT_CHECK(model_ != nullptr, kInvalidArgument, "VideoSession needs a model");
  SAM3RT_CHECK(frames_ != nullptr, kInvalidArgument, "VideoSession needs a frame source");
  SAM3RT_CHECK(
      model_->has_tracker(), kUnsupported,
      "this model has no tracker weights (tracker.*), which video tracking needs; use the full sam3.pt, "
      "a Hugging Face sam3_video folder or a .sam3rt converted from one");
  const io::VideoInfo& info = frames_->info();
  SAM3RT_CHECK(info.frame_count > 0 && info.frame_count <= (int64_t{1} << 30), kInvalidArgument,
               "the video has ", info.frame_count, " frames");
  TrackerOptions tracker_options;
  tracker_options.use_memory_selection = options.use_memory_selection;
  tracker_model_ = std::make_unique<Sam3Tracker>(model_->config(), model_->weights(), tracker_options);
  tracker_ = std::make_unique<VideoTracker>(
      *tracker_model_, [this](int f) { return encode(f); }, static_cast<int>(info.frame_count), info.width,
      info.height);
  tracker_->set_bounded_memory(options.bounded_memory);
}

VideoSession::~VideoSession() = default;

// ref: Sam3TrackerPredictor._get_image_feature — decode, preprocess, backbone, tracker neck. Only
// the tracker caches the most recent frame's features; nothing here keeps frames.
Tensor VideoSession::load_pixels(int frame) const {
  return preprocess_image(io::frame_to_image(frames_->frame(frame)), model_->config().image_size);
}

TrackerImageFeatures VideoSession::encode(int frame) {
  Tensor pixels;
  if (prefetch_.valid()) {
    if (prefetch_frame_ == frame) {
      pixels = prefetch_.get();  // rethrows the decoder's error for this frame
    } else {
      try {
        prefetch_.get();  // a guess that did not come true; its error (if any) is not this frame's
      } catch (const std::exception&) {
      }
    }
  }
  if (!pixels.defined()) pixels = load_pixels(frame);
  // Tracking visits frames one by one: guess the next one from the direction of the last step.
  const int step = last_frame_ >= 0 && frame < last_frame_ ? -1 : 1, next = frame + step;
  last_frame_ = frame;
  if (next >= 0 && next < tracker_->num_frames()) {
    prefetch_frame_ = next;
    prefetch_ = std::async(std::launch::async, [this, next] { return load_pixels(next); });
  }
  ++frames_encoded_;
  return tracker_model_->encode_frame(model_->encode_image(pixels).trunk);
}

void VideoSession::add_points(int frame, int obj_id, const std::vector<VideoClick>& clicks) {
  const ScopedContext scoped(context_);
  SAM3RT_CHECK(!clicks.empty(), kInvalidArgument, "add_points: no points given");
  tracker_->add_points(frame, obj_id, clicks);
}

void VideoSession::add_box(int frame, int obj_id, const std::array<float, 4>& box,
                           const std::vector<VideoClick>& clicks) {
  const ScopedContext scoped(context_);
  for (float v : box)
    SAM3RT_CHECK(std::isfinite(v), kInvalidArgument, "box ", box[0], ",", box[1], ",", box[2], ",", box[3],
                 " has a coordinate that is not a finite number");
  SAM3RT_CHECK(box[2] >= box[0] && box[3] >= box[1], kInvalidArgument, "box ", box[0], ",", box[1], ",",
               box[2], ",", box[3], " has x1 < x0 or y1 < y0; give boxes as X0,Y0,X1,Y1");
  tracker_->add_points(frame, obj_id, clicks, box);
}

void VideoSession::add_mask(int frame, int obj_id, const uint8_t* mask, int width, int height) {
  const ScopedContext scoped(context_);
  SAM3RT_CHECK(mask != nullptr, kInvalidArgument, "add_mask: the mask is NULL");
  SAM3RT_CHECK(width > 0 && height > 0 && static_cast<int64_t>(width) * height <= (int64_t{1} << 28),
               kInvalidArgument, "add_mask: bad mask size ", width, "x", height);
  Tensor m = Tensor::empty({height, width});
  float* dst = m.data<float>();
  for (size_t p = 0; p < static_cast<size_t>(width) * height; ++p) dst[p] = mask[p] ? 1.f : 0.f;
  tracker_->add_mask(frame, obj_id, m);
}

void VideoSession::remove_object(int obj_id) {
  const ScopedContext scoped(context_);
  tracker_->remove_object(obj_id);
}

void VideoSession::reset() { tracker_->reset(); }

void VideoSession::propagate(PropagateDirection direction, std::optional<int> start,
                             std::optional<int> max_frames,
                             const std::function<void(const VideoFrameResult&)>& on_frame) {
  const ScopedContext scoped(context_);
  const auto emit = [&](const TrackedFrame& t) { on_frame(to_frame_result(t)); };
  if (direction == PropagateDirection::kBackward) {
    tracker_->propagate(start, max_frames, true, emit);
    return;
  }
  // The forward pass resolves the default start (the first prompted frame): it is the first
  // frame it reports.
  std::optional<int> first;
  tracker_->propagate(
      start, max_frames, false,
      [&](const TrackedFrame& t) {
        if (!first) first = t.frame;
        emit(t);
      },
      direction == PropagateDirection::kBoth);
  if (direction == PropagateDirection::kForward || !first || *first == 0) return;
  // ref: sam3_video_predictor.py propagate_in_video ("both": forward, then reverse=True from the
  // same start) with sam3_video_inference.py _get_processing_order (reverse: start−1 down to
  // max(start − max_frames, 0)). The tracker's reverse order includes its start, hence start−1 and
  // one frame fewer.
  if (max_frames && *max_frames == 0) return;
  tracker_->propagate(*first - 1, max_frames ? std::optional<int>(*max_frames - 1) : std::nullopt, true,
                      emit);
}

}  // namespace sam3rt::pipeline
