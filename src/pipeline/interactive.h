// Interactive segmentation of one image: clicks, a box or a previous mask → one object's candidate
// masks (ref: sam3/model/sam1_task_predictor.py SAM3InteractiveImagePredictor, reached through
// sam3/model/sam3_image.py Sam3Image.predict_inst). The prompt preparation and the
// post-processing live here; the network is TrackerHeads.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "model/sam-prompt-encoder.h"

namespace sam3rt::pipeline {

// A click in pixels of the original image (continuous coordinates: 0 = left edge). Labels as the
// reference: 1 positive, 0 negative; −1 (ignored point), 2 and 3 (box corners) are accepted too.
struct ClickPoint {
  float x = 0, y = 0;
  int label = 1;
};

struct ClickPrompt {
  std::vector<ClickPoint> points;
  std::optional<std::array<float, 4>> box;  // x0, y0, x1, y1 in pixels of the original image
  // Low-resolution logits of a previous result (ClickResult::low_res_logits, one channel):
  // f32 [4g, 4g], [1, 4g, 4g] or [1, 1, 4g, 4g] (4g = 288 for the released model).
  Tensor mask_input;
  bool multimask = true;  // 3 candidates (ambiguous prompts such as one click) or 1
};

struct ClickResult {
  Tensor masks;                // u8 [C, H, W], 1 = object: upsampled hole-filled logits > 0
  std::vector<float> iou;      // [C] predicted IoU of each candidate
  Tensor low_res_logits;       // f32 [C, 4g, 4g], clamped to ±32, before hole filling
  float object_score_logit = 0;  // computed by the decoder; the image predictor does not gate on it
  std::vector<std::pair<std::string, double>> timings;  // "tracker_features" (0 when cached), "decoder", "postprocess"
};

// Checks a prompt (finite coordinates, labels in −1..3, a box with x0 <= x1 and y0 <= y1, at least
// one point, box or mask) and maps it to the model frame (ref: SAM2Transforms.transform_coords
// with normalize=True: x/W·S, y/H·S), the box first as corners labelled 2 and 3
// (SAM3InteractiveImagePredictor._predict). Throws kInvalidArgument.
std::vector<SamPoint> prepare_click_points(const ClickPrompt& prompt, int width, int height, int image_size);

// The mask input as [1, 1, m, m] (m = 4g), kInvalidArgument if it has another size or non-finite
// values; undefined when the prompt has none.
Tensor prepare_mask_input(const Tensor& mask_input, int mask_size);

// ref: SAM2Transforms.postprocess_masks + SAM3InteractiveImagePredictor._predict: low_res
// [1, C, m, m] (any device) → holes up to max_hole_area filled, bilinear to H×W, > 0; low-res
// logits clamped to ±32. Fills masks, low_res_logits; `mask_logits` (optional) gets the
// upsampled logits [C, H, W].
void postprocess_click(const Tensor& low_res, int width, int height, float max_hole_area, ClickResult* out,
                       Tensor* mask_logits = nullptr);

}  // namespace sam3rt::pipeline
