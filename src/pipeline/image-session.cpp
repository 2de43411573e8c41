#include "pipeline/image-session.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "core/log.h"
#include "model/sam3-image.h"
#include "model/tracker-heads.h"
#include "pipeline/preprocess.h"
#include "text/clip-tokenizer.h"

namespace sam3rt::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

// Post-processing reads the outputs on the host.
GroundingOutput to_host(GroundingOutput out) {
  for (Tensor* t : {&out.pred_logits, &out.pred_boxes, &out.pred_boxes_xyxy, &out.presence_logit, &out.pred_masks,
                    &out.semantic_seg})
    if (t->defined()) *t = t->to(Device::cpu());
  return out;
}
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Distinct texts kept per session; beyond this the cache starts over (a text encode is cheap
// compared to the backbone, the cap only bounds memory for long-running sessions).
constexpr size_t kMaxCachedTexts = 256;

}  // namespace

// ref: HF processing_sam3.py (xyxy pixels → normalised cxcywh); official add_geometric_prompt
// takes the normalised cxcywh directly (spec §2.4).
BoxPrompt to_box_prompt(const PixelBox& box, int width, int height) {
  const auto& b = box.xyxy;
  for (float v : b)
    SAM3RT_CHECK(std::isfinite(v), kInvalidArgument, "box ", b[0], ",", b[1], ",", b[2], ",", b[3],
                 " has a coordinate that is not a finite number");
  SAM3RT_CHECK(b[2] >= b[0] && b[3] >= b[1], kInvalidArgument, "box ", b[0], ",", b[1], ",", b[2], ",", b[3],
               " has x1 < x0 or y1 < y0; give boxes as X0,Y0,X1,Y1 with X0 <= X1 and Y0 <= Y1");
  SAM3RT_CHECK(b[0] < width && b[2] > 0 && b[1] < height && b[3] > 0, kInvalidArgument, "box ", b[0], ",",
               b[1], ",", b[2], ",", b[3], " lies entirely outside the ", width, "x", height,
               " image; box coordinates are pixels of the original image");
  const float x0 = b[0] / width, y0 = b[1] / height, x1 = b[2] / width, y1 = b[3] / height;
  BoxPrompt p;
  p.cx = 0.5f * (x0 + x1);
  p.cy = 0.5f * (y0 + y1);
  p.w = x1 - x0;
  p.h = y1 - y0;
  p.positive = box.positive;
  return p;
}

ImageSession::ImageSession(std::shared_ptr<const Sam3ImageModel> model,
                           std::shared_ptr<const ClipTokenizer> tokenizer)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {
  SAM3RT_CHECK(model_ != nullptr, kInvalidArgument, "ImageSession needs a model");
}

ImageSession::~ImageSession() = default;

void ImageSession::enable_dump(bool on) {
  dump_enabled_ = on;
  dump_.clear();
}

// ref: sam3/model/sam3_image_processor.py Sam3Processor.set_image
void ImageSession::set_image(const Image& image) {
  const ScopedContext scoped_context(context_);
  SAM3RT_CHECK(image.width > 0 && image.height > 0 &&
                   image.rgb.size() == static_cast<size_t>(image.width) * image.height * 3,
               kInvalidArgument, "set_image: the image is ", image.width, "x", image.height, " with ",
               image.rgb.size(), " bytes; expected a non-empty RGB image (3 bytes per pixel)");
  image_ = Image();
  features_ = BackboneFeatures();
  tracker_features_.reset();
  image_timings_.clear();
  TensorDump* dump = dump_enabled_ ? &dump_ : nullptr;
  if (dump) dump_.clear();

  auto t0 = Clock::now();
  Tensor resized;
  // pixels: [1, 3, S, S]
  Tensor pixels = preprocess_image(image, model_->config().image_size, &resized);
  image_timings_.emplace_back("preprocess", ms_since(t0));
  if (dump) {
    dump_["input.resized_u8"] = resized;
    dump_["input.pixels"] = pixels;
  }
  t0 = Clock::now();
  features_ = model_->encode_image(pixels, dump);
  image_timings_.emplace_back("backbone", ms_since(t0));
  ++backbone_runs_;
  image_ = image;
  log_debug("image ", image.width, "x", image.height, ": backbone ", image_timings_.back().second, " ms");
}

const TextFeatures& ImageSession::text_features(const std::string& text, double* ms) {
  auto it = text_cache_.find(text);
  if (it != text_cache_.end() && !dump_enabled_) {
    *ms = 0;
    return it->second;
  }
  SAM3RT_CHECK(tokenizer_ != nullptr, kInvalidArgument,
               "this model has no tokenizer, and every prompt (even boxes alone, which use the text \"",
               kVisualPromptText,
               "\") needs one; pass the CLIP merges file (bpe_simple_vocab_16e6.txt.gz) with "
               "--tokenizer or the tokenizer_path parameter");
  if (text_cache_.size() >= kMaxCachedTexts) text_cache_.clear();
  auto t0 = Clock::now();
  const int context = model_->config().text_context;
  std::vector<int32_t> ids = tokenizer_->encode(text, context);
  // token_ids: [1, T]
  Tensor token_ids = Tensor::from_vector_i32({1, context}, ids);
  TensorDump* dump = dump_enabled_ ? &dump_ : nullptr;
  if (dump) dump_["input.token_ids"] = token_ids;
  TextFeatures f = model_->encode_text(token_ids, dump);
  ++text_runs_;
  *ms = ms_since(t0);
  return text_cache_[text] = std::move(f);
}

// ref: sam3/model/sam3_image_processor.py Sam3Processor.set_text_prompt / add_geometric_prompt /
// _forward_grounding
Result ImageSession::predict(const Prompt& prompt) {
  const ScopedContext scoped_context(context_);
  SAM3RT_CHECK(has_image(), kInvalidArgument, "predict: no image; call set_image first");
  SAM3RT_CHECK(std::isfinite(prompt.threshold) && prompt.threshold >= 0.f && prompt.threshold <= 1.f,
               kInvalidArgument, "threshold must be in [0, 1], got ", prompt.threshold);
  SAM3RT_CHECK(prompt.text.has_value() || !prompt.boxes.empty(), kInvalidArgument,
               "a prompt needs a text, at least one box, or both");
  SAM3RT_CHECK(!prompt.text || !prompt.text->empty(), kInvalidArgument,
               "the prompt text is empty; give a noun phrase such as \"red car\"");
  std::vector<BoxPrompt> boxes;
  boxes.reserve(prompt.boxes.size());
  for (const PixelBox& b : prompt.boxes) boxes.push_back(to_box_prompt(b, image_.width, image_.height));

  Result result;
  double text_ms = 0;
  const TextFeatures& text =
      text_features(prompt.text ? *prompt.text : std::string(kVisualPromptText), &text_ms);
  result.timings.emplace_back("text", text_ms);

  TensorDump* dump = dump_enabled_ ? &dump_ : nullptr;
  auto t0 = Clock::now();
  GroundingOutput out = to_host(model_->ground(features_, text, boxes, dump));
  result.timings.emplace_back("grounding", ms_since(t0));

  t0 = Clock::now();
  Detections det = postprocess(out, image_.width, image_.height, prompt.threshold);
  result.timings.emplace_back("postprocess", ms_since(t0));
  result.presence = det.presence;
  result.instances = std::move(det.instances);

  if (dump) {
    dump_.emplace("raw.pred_logits", out.pred_logits);
    dump_.emplace("raw.pred_boxes", out.pred_boxes);
    dump_.emplace("raw.pred_boxes_xyxy", out.pred_boxes_xyxy);
    dump_.emplace("raw.presence_logit_dec", out.presence_logit);
    dump_.emplace("raw.pred_masks", out.pred_masks);
    dump_.emplace("raw.semantic_seg", out.semantic_seg);
    // out.*: every query, in query order, as the fixtures store them (threshold 0).
    const std::vector<float> scores = instance_scores(out.pred_logits, out.presence_logit);
    const int64_t q_count = static_cast<int64_t>(scores.size());
    dump_["out.scores"] = Tensor::from_vector({q_count}, scores);
    Tensor boxes_xyxy = Tensor::zeros({q_count, 4});
    Tensor masks = Tensor::zeros({q_count, 1, image_.height, image_.width}, DType::kU8);
    Tensor probs = Tensor::zeros({q_count, 1, image_.height, image_.width}, DType::kF16);
    for (int64_t q = 0; q < q_count; ++q) {
      Instance inst = decode_query(out, static_cast<int>(q), scores[q], image_.width, image_.height);
      for (int k = 0; k < 4; ++k) boxes_xyxy.data<float>()[q * 4 + k] = inst.box_xyxy[k];
      masks.select(0, q).select(0, 0).copy_(inst.mask);
      probs.select(0, q).select(0, 0).copy_(
          mask_probabilities(out.pred_masks.select(0, 0).select(0, q), image_.width, image_.height).to(DType::kF16));
    }
    dump_["out.boxes_xyxy"] = boxes_xyxy;
    dump_["out.masks"] = masks;
    dump_["out.mask_probs_f16"] = probs;
  }
  return result;
}

// ref: sam3/model/sam3_image.py Sam3Image.predict_inst → SAM3InteractiveImagePredictor.predict
ClickResult ImageSession::click(const ClickPrompt& prompt) {
  const ScopedContext scoped_context(context_);
  SAM3RT_CHECK(has_image(), kInvalidArgument, "click: no image; call set_image first");
  const TrackerHeads& tracker = model_->tracker();  // kUnsupported without tracker weights
  const Sam3Config& c = model_->config();
  const std::vector<SamPoint> points = prepare_click_points(prompt, image_.width, image_.height, c.image_size);
  const Tensor mask_input = prepare_mask_input(prompt.mask_input, c.low_res_mask_size());
  TensorDump* dump = dump_enabled_ ? &dump_ : nullptr;

  ClickResult result;
  auto t0 = Clock::now();
  if (!tracker_features_ || dump) {
    tracker_features_ = model_->encode_tracker_image(features_, dump);
    ++tracker_feature_runs_;
    result.timings.emplace_back("tracker_features", ms_since(t0));
  } else {
    result.timings.emplace_back("tracker_features", 0.0);
  }
  t0 = Clock::now();
  SamDecoderOutput out = tracker.predict(*tracker_features_, points, mask_input, prompt.multimask, dump);
  const Tensor iou = out.iou.to(Device::cpu());
  result.timings.emplace_back("decoder", ms_since(t0));

  t0 = Clock::now();
  Tensor mask_logits;
  postprocess_click(out.masks, image_.width, image_.height, c.inst_max_hole_area, &result,
                    dump ? &mask_logits : nullptr);
  result.iou = iou.to_vector();
  result.object_score_logit = out.object_score_logits.to(Device::cpu()).item();
  result.timings.emplace_back("postprocess", ms_since(t0));
  if (dump) {
    if (!points.empty()) {
      std::vector<float> coords;
      std::vector<int32_t> labels;
      for (const SamPoint& p : points) {
        coords.insert(coords.end(), {p.x, p.y});
        labels.push_back(p.label);
      }
      const int64_t n = static_cast<int64_t>(points.size());
      dump_["prompt.point_coords"] = Tensor::from_vector({1, n, 2}, coords);
      dump_["prompt.point_labels"] = Tensor::from_vector_i32({1, n}, labels);
    }
    if (mask_input.defined()) dump_["prompt.mask_input"] = mask_input;
    dump_["out.mask_logits"] = mask_logits.unsqueeze(0);
    dump_["out.masks"] = result.masks;
    dump_["out.iou_predictions"] = iou.reshape({iou.numel()});
    dump_["out.low_res_masks"] = result.low_res_logits;
  }
  return result;
}

}  // namespace sam3rt::pipeline
