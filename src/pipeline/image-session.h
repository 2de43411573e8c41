// ImageSession: encode one image once, answer many prompts (ref: sam3/model/sam3_image_processor.py
// Sam3Processor). set_image() runs preprocessing and the vision backbone and caches the features;
// predict() runs the text encoder (cached per distinct text), the grounding stages and the
// post-processing. The model is shared and immutable; a session is used by one thread at a time.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/context.h"
#include "io/image.h"
#include "model/features.h"
#include "pipeline/interactive.h"
#include "pipeline/postprocess.h"

namespace sam3rt {
class Sam3ImageModel;
class ClipTokenizer;
}  // namespace sam3rt

namespace sam3rt::pipeline {

// An exemplar box in pixels of the original image, xyxy with continuous edges (0 = left edge of
// the image, width = right edge).
struct PixelBox {
  std::array<float, 4> xyxy{};
  bool positive = true;
};

struct Prompt {
  std::optional<std::string> text;  // none: the boxes alone are the prompt (text "visual")
  std::vector<PixelBox> boxes;
  float threshold = 0.5f;  // keep instances with score > threshold, in [0, 1]
};

// Stage name → milliseconds, in the order the stages ran.
using Timings = std::vector<std::pair<std::string, double>>;

struct Result {
  float presence = 0;               // σ(presence logit)
  std::vector<Instance> instances;  // score descending
  Timings timings;                  // "text" (0 when cached), "grounding", "postprocess"
};

// The text the reference uses when a prompt has boxes but no text (spec §7.7).
inline constexpr const char* kVisualPromptText = "visual";

// Box policy (documented in docs/conventions.md and `sam3rt segment --help`): a box with a NaN
// or infinite coordinate, x1 < x0 or y1 < y0, or no overlap with the image is refused
// (kInvalidArgument); a box partly outside the image is passed on unchanged, as the reference
// does (its normalised coordinates then lie slightly outside [0, 1]).
BoxPrompt to_box_prompt(const PixelBox& box, int width, int height);

class ImageSession {
 public:
  // tokenizer may be null (a checkpoint loaded without merges): predict() then explains what to pass.
  ImageSession(std::shared_ptr<const Sam3ImageModel> model, std::shared_ptr<const ClipTokenizer> tokenizer);
  ~ImageSession();

  // Preprocesses the image and runs the vision backbone once; drops the cached text features'
  // results of the previous image (text features are image-independent and stay cached).
  void set_image(const Image& image);
  bool has_image() const { return image_.width > 0; }
  const Image& image() const { return image_; }
  // "preprocess", "backbone" of the last set_image.
  const Timings& image_timings() const { return image_timings_; }

  Result predict(const Prompt& prompt);

  // Interactive segmentation of one object (clicks, a box, a previous mask) on the same encoded
  // image: the first click runs the tracker's neck once, every click the prompt encoder and
  // mask decoder. Throws kUnsupported when the model has no tracker weights.
  ClickResult click(const ClickPrompt& prompt);
  // How many times the tracker's image features were computed (once per image).
  int tracker_feature_runs() const { return tracker_feature_runs_; }

  // How many times the vision backbone ran (a second prompt on the same image adds nothing).
  int backbone_runs() const { return backbone_runs_; }
  // How many times the text encoder ran (a repeated text adds nothing).
  int text_runs() const { return text_runs_; }

  // Precision and thread cap of this session's calls (core/context.h): installed on the calling
  // thread for each set_image and predict, so sessions on other threads keep their own. A session
  // is used by one thread at a time; many sessions may share one model.
  void set_context(const Context& context) { context_ = context; }
  const Context& context() const { return context_; }

  // When enabled, the next set_image and predict record the named intermediates under the
  // fixtures' names (input.*, vit.*, backbone.*, text.*, ..., raw.*, out.*).
  void enable_dump(bool on);
  const TensorDump& dump() const { return dump_; }

 private:
  const TextFeatures& text_features(const std::string& text, double* ms);

  std::shared_ptr<const Sam3ImageModel> model_;
  std::shared_ptr<const ClipTokenizer> tokenizer_;
  Image image_;
  BackboneFeatures features_;
  Timings image_timings_;
  std::map<std::string, TextFeatures> text_cache_;
  std::optional<TrackerImageFeatures> tracker_features_;
  int tracker_feature_runs_ = 0;
  int backbone_runs_ = 0;
  int text_runs_ = 0;
  Context context_;
  bool dump_enabled_ = false;
  TensorDump dump_;
};

}  // namespace sam3rt::pipeline
