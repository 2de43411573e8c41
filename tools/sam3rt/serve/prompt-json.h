// Reading the JSON bodies of /segment and /click into the C++ API's prompts. Every mistake
// (wrong type, missing field, a non-finite or absurd coordinate, an inverted box, a label other
// than 0/1) is an HttpError 400 naming the field, before any work is queued.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::serve {

// {text?: string | [string], boxes?: [[x0,y0,x1,y1]] | [{xyxy, label: "positive"|"negative"}],
// threshold?: number in [0, 1]}; each text is one prompt (with the boxes); no text → one prompt
// of the boxes alone.
struct SegmentRequest {
  std::vector<std::optional<std::string>> texts;
  std::vector<Box> boxes;
  float threshold = 0.5f;
};
SegmentRequest parse_segment_request(const nlohmann::json& body, int width, int height);

// {points?: [[x, y]], labels?: [1|0], box?: [x0,y0,x1,y1], mask_input?: "previous" | [floats],
// mask_input_candidate?: int, multimask?: bool}
struct ClickRequest {
  ClickPrompt prompt;
  bool previous_mask = false;   // mask_input "previous": the last click's logits on this image
  int previous_candidate = -1;  // which of them (-1: the one with the highest IoU)
  bool multimask_given = false;
};
ClickRequest parse_click_request(const nlohmann::json& body, int width, int height, int mask_input_size);

// The body as a JSON object, or HttpError 400 / 415 (a body that is not application/json).
nlohmann::json parse_json_body(const std::string& body, const std::string& content_type);

}  // namespace sam3rt::serve
