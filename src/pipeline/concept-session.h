// ConceptSession: concept prompts on a video (the concept half of ref:
// sam3/model/sam3_video_predictor.py Sam3VideoPredictor.handle_request — add_prompt with text, an
// exemplar box or clicks on one object, propagate_in_video forward / backward / both, remove_object,
// reset_session), over pipeline::ConceptVideo. Frames are decoded when a step needs them (the next
// one on another thread while the model works) and never kept; the feature cache holds the current
// frame only; results are RLE.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/context.h"
#include "io/video-source.h"
#include "pipeline/concept-video.h"
#include "pipeline/video-session.h"

namespace sam3rt {
class Sam3ImageModel;
class ClipTokenizer;
}  // namespace sam3rt

namespace sam3rt::pipeline {

class ConceptSession {
 public:
  // The model must hold tracker weights (kUnsupported otherwise) and a tokenizer (kInvalidArgument).
  ConceptSession(std::shared_ptr<const Sam3ImageModel> model, std::shared_ptr<const ClipTokenizer> tokenizer,
                 std::unique_ptr<io::FrameSource> frames, const ConceptVideoOptions& options = {});
  ~ConceptSession();

  const io::VideoInfo& info() const { return frames_->info(); }
  int num_frames() const { return video_->num_frames(); }
  const ConceptVideoOptions& options() const { return video_->options(); }

  // ref: add_prompt with text and/or one box (relative x, y, w, h): restarts the session.
  ConceptFrame add_prompt(int frame, const std::optional<std::string>& text,
                          const std::optional<ConceptBox>& box);
  // ref: add_prompt with points (relative x, y; labels 1/0) and obj_id: refine or add one object.
  ConceptFrame add_points(int frame, int obj_id, const std::vector<std::array<float, 2>>& points,
                          const std::vector<int>& labels);
  void remove_object(int obj_id);
  void reset();
  // ref: Sam3VideoPredictor.propagate_in_video: forward, backward (from start − 1 down), or both
  // (forward, then backward). start: default the first frame with outputs; max_frames: default all.
  void propagate(PropagateDirection direction, std::optional<int> start, std::optional<int> max_frames,
                 const std::function<void(const ConceptFrame&)>& on_frame);

  // How many times a frame went through the vision backbone.
  int frames_encoded() const { return frames_encoded_; }
  void set_context(const Context& context) { context_ = context; }

 private:
  Tensor pixels(int frame);
  Tensor load_pixels(int frame) const;
  TextFeatures text_features(const std::string& text);

  std::shared_ptr<const Sam3ImageModel> model_;
  std::shared_ptr<const ClipTokenizer> tokenizer_;
  std::unique_ptr<io::FrameSource> frames_;
  std::unique_ptr<Sam3Tracker> tracker_;
  std::unique_ptr<ConceptVideo> video_;
  std::string cached_text_;
  std::optional<TextFeatures> cached_text_features_;
  int frames_encoded_ = 0;
  Context context_;
  int last_frame_ = -1, prefetch_frame_ = -1;
  std::future<Tensor> prefetch_;  // declared last: waited for first
};

}  // namespace sam3rt::pipeline
