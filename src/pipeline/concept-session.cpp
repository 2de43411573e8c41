#include "pipeline/concept-session.h"

#include "core/error.h"
#include "io/image.h"
#include "model/sam3-image.h"
#include "pipeline/preprocess.h"
#include "text/clip-tokenizer.h"

namespace sam3rt::pipeline {


ConceptSession::ConceptSession(std::shared_ptr<const Sam3ImageModel> model,
                               std::shared_ptr<const ClipTokenizer> tokenizer,
                               std::unique_ptr<io::FrameSource> frames, const ConceptVideoOptions& options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), frames_(std::move(frames)) {
  SAM3RT_CHECK(model_ != nullptr, kInvalidArgument, "ConceptSession needs a model");
  SAM3RT_CHECK(frames_ != nullptr, kInvalidArgument, "ConceptSession needs a frame source");
  SAM3RT_CHECK(
      model_->has_tracker(), kUnsupported,
      "this model has no tracker weights (tracker.*), which concept tracking in video needs; use the "
      "full sam3.pt, a Hugging Face sam3_video folder or a .sam3rt converted from one");
  SAM3RT_CHECK(
      tokenizer_ != nullptr, kInvalidArgument,
      "this model has no tokenizer, and concept prompts (even a box alone, which uses the text "
      "\"visual\") need one; pass the CLIP merges file (bpe_simple_vocab_16e6.txt.gz) with --tokenizer");
  const io::VideoInfo& info = frames_->info();
  SAM3RT_CHECK(info.frame_count > 0 && info.frame_count <= (int64_t{1} << 30), kInvalidArgument,
               "the video has ", info.frame_count, " frames");
  TrackerOptions tracker_options;
  tracker_options.use_memory_selection = options.use_memory_selection;
  tracker_ = std::make_unique<Sam3Tracker>(model_->config(), model_->weights(), tracker_options);
  video_ = std::make_unique<ConceptVideo>(
      *model_, *tracker_, [this](int f) { return pixels(f); },
      [this](const std::string& t) { return text_features(t); }, static_cast<int>(info.frame_count),
      info.width, info.height, options);
}

ConceptSession::~ConceptSession() = default;

Tensor ConceptSession::load_pixels(int frame) const {
  return preprocess_image(io::frame_to_image(frames_->frame(frame)), model_->config().image_size);
}

Tensor ConceptSession::pixels(int frame) {
  Tensor out;
  if (prefetch_.valid()) {
    if (prefetch_frame_ == frame) {
      out = prefetch_.get();  // rethrows the decoder's error for this frame
    } else {
      try {
        prefetch_.get();  // a guess that did not come true
      } catch (const std::exception&) {
      }
    }
  }
  if (!out.defined()) out = load_pixels(frame);
  const int step = last_frame_ >= 0 && frame < last_frame_ ? -1 : 1, next = frame + step;
  last_frame_ = frame;
  if (next >= 0 && next < num_frames()) {
    prefetch_frame_ = next;
    prefetch_ = std::async(std::launch::async, [this, next] { return load_pixels(next); });
  }
  ++frames_encoded_;
  return out;
}

TextFeatures ConceptSession::text_features(const std::string& text) {
  if (!cached_text_features_ || cached_text_ != text) {
    const int context = model_->config().text_context;
    cached_text_features_ =
        model_->encode_text(Tensor::from_vector_i32({1, context}, tokenizer_->encode(text, context)));
    cached_text_ = text;
  }
  return *cached_text_features_;
}

ConceptFrame ConceptSession::add_prompt(int frame, const std::optional<std::string>& text,
                                        const std::optional<ConceptBox>& box) {
  const ScopedContext scoped(context_);
  return video_->add_prompt(frame, text, box);
}

ConceptFrame ConceptSession::add_points(int frame, int obj_id,
                                        const std::vector<std::array<float, 2>>& points,
                                        const std::vector<int>& labels) {
  const ScopedContext scoped(context_);
  return video_->add_points(frame, obj_id, points, labels);
}

void ConceptSession::remove_object(int obj_id) {
  const ScopedContext scoped(context_);
  video_->remove_object(obj_id, true);
}

void ConceptSession::reset() { video_->reset(); }

void ConceptSession::propagate(PropagateDirection direction, std::optional<int> start,
                               std::optional<int> max_frames,
                               const std::function<void(const ConceptFrame&)>& on_frame) {
  const ScopedContext scoped(context_);
  // With bounded memory, the forward half of "both" keeps what the backward half will read.
  const int first = start ? *start : video_->default_start();
  video_->set_backward_pass_from(direction == PropagateDirection::kBoth && first > 0 ? first - 1 : -1);
  try {
    if (direction != PropagateDirection::kBackward) video_->propagate(start, max_frames, false, on_frame);
    video_->set_backward_pass_from(-1);
    if (direction != PropagateDirection::kForward) video_->propagate(start, max_frames, true, on_frame);
  } catch (...) {
    video_->set_backward_pass_from(-1);
    throw;
  }
}

}  // namespace sam3rt::pipeline
