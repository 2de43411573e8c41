#include "tools/sam3rt/serve/prompt-json.h"

#include <cmath>

#include "core/safe-text.h"
#include "tools/sam3rt/serve/http-error.h"

namespace sam3rt::serve {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& message) { throw HttpError(400, message); }

// Coordinates further than this many image sides outside the image are a client bug, not a prompt.
constexpr double kCoordinateSlack = 4.0;

float coordinate(const json& v, const std::string& field, int side) {
  if (!v.is_number()) bad(field + " must be a number, got " + std::string(v.type_name()));
  const double d = v.get<double>();
  if (!std::isfinite(d)) bad(field + " is not a finite number");
  if (std::abs(d) > kCoordinateSlack * side + 1)
    bad(field + " = " + std::to_string(d) + " lies far outside the image (" + std::to_string(side) +
        " pixels)");
  return static_cast<float>(d);
}

std::array<float, 4> box_xyxy(const json& v, const std::string& field, int width, int height) {
  if (!v.is_array() || v.size() != 4) bad(field + " must be [x0, y0, x1, y1] in pixels");
  std::array<float, 4> b{};
  for (int k = 0; k < 4; ++k)
    b[k] = coordinate(v[k], field + "[" + std::to_string(k) + "]", k % 2 == 0 ? width : height);
  if (b[2] < b[0] || b[3] < b[1]) bad(field + ": x1 < x0 or y1 < y0; give the top-left corner first");
  return b;
}

}  // namespace

nlohmann::json parse_json_body(const std::string& body, const std::string& content_type) {
  if (content_type.rfind("application/json", 0) != 0)
    throw HttpError(415, "the body must be application/json (got '" + safe_text(content_type) + "')");
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) bad("the body is not valid JSON");
  if (!doc.is_object()) bad("the body must be a JSON object");
  return doc;
}

SegmentRequest parse_segment_request(const json& body, int width, int height) {
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "text" && it.key() != "boxes" && it.key() != "threshold")
      bad("unknown field '" + safe_text(it.key()) + "' (expected text, boxes, threshold)");
  SegmentRequest r;
  if (body.contains("text") && !body["text"].is_null()) {
    const json& t = body["text"];
    if (t.is_string()) {
      r.texts.push_back(t.get<std::string>());
    } else if (t.is_array()) {
      for (const json& s : t) {
        if (!s.is_string()) bad("text must be a string or a list of strings");
        r.texts.push_back(s.get<std::string>());
      }
    } else {
      bad("text must be a string or a list of strings");
    }
    if (r.texts.size() > 64) bad("at most 64 texts per request");
    for (const auto& s : r.texts)
      if (s->empty() || s->size() > 1000) bad("each text must hold 1 to 1000 bytes");
  }
  if (body.contains("boxes") && !body["boxes"].is_null()) {
    const json& boxes = body["boxes"];
    if (!boxes.is_array()) bad("boxes must be a list");
    if (boxes.size() > 64) bad("at most 64 boxes per request");
    for (size_t i = 0; i < boxes.size(); ++i) {
      const std::string field = "boxes[" + std::to_string(i) + "]";
      Box b;
      if (boxes[i].is_object()) {
        if (!boxes[i].contains("xyxy")) bad(field + " needs \"xyxy\": [x0, y0, x1, y1]");
        b.xyxy = box_xyxy(boxes[i]["xyxy"], field + ".xyxy", width, height);
        if (boxes[i].contains("label")) {
          const json& l = boxes[i]["label"];
          if (l == "positive" || l == 1 || l == true)
            b.positive = true;
          else if (l == "negative" || l == 0 || l == false)
            b.positive = false;
          else
            bad(field + ".label must be \"positive\" or \"negative\"");
        }
      } else {
        b.xyxy = box_xyxy(boxes[i], field, width, height);
      }
      r.boxes.push_back(b);
    }
  }
  if (r.texts.empty() && r.boxes.empty()) bad("give a text, boxes or both");
  if (r.texts.empty()) r.texts.push_back(std::nullopt);
  if (body.contains("threshold") && !body["threshold"].is_null()) {
    const json& t = body["threshold"];
    if (!t.is_number() || !std::isfinite(t.get<double>()) || t.get<double>() < 0 || t.get<double>() > 1)
      bad("threshold must be a number in [0, 1]");
    r.threshold = t.get<float>();
  }
  return r;
}

ClickRequest parse_click_request(const json& body, int width, int height, int mask_input_size) {
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "points" && it.key() != "labels" && it.key() != "box" && it.key() != "mask_input" &&
        it.key() != "mask_input_candidate" && it.key() != "multimask")
      bad("unknown field '" + safe_text(it.key()) +
          "' (expected points, labels, box, mask_input, mask_input_candidate, multimask)");
  ClickRequest r;
  const json points = body.value("points", json::array());
  const json labels = body.value("labels", json::array());
  if (!points.is_array()) bad("points must be a list of [x, y]");
  if (!labels.is_array()) bad("labels must be a list of 1 (on the object) or 0 (not on it)");
  if (points.size() != labels.size())
    bad("points and labels differ in length (" + std::to_string(points.size()) + " vs " +
        std::to_string(labels.size()) + ")");
  if (points.size() > 256) bad("at most 256 points per click");
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string field = "points[" + std::to_string(i) + "]";
    if (!points[i].is_array() || points[i].size() != 2) bad(field + " must be [x, y] in pixels");
    Point p;
    p.x = coordinate(points[i][0], field + "[0]", width);
    p.y = coordinate(points[i][1], field + "[1]", height);
    const json& l = labels[i];
    if (!l.is_number_integer() || (l.get<int64_t>() != 0 && l.get<int64_t>() != 1))
      bad("labels[" + std::to_string(i) + "] must be 1 (on the object) or 0 (not on it)");
    p.label = l.get<int>();
    r.prompt.points.push_back(p);
  }
  if (body.contains("box") && !body["box"].is_null())
    r.prompt.box = box_xyxy(body["box"], "box", width, height);
  if (body.contains("mask_input") && !body["mask_input"].is_null()) {
    const json& m = body["mask_input"];
    if (m == "previous") {
      r.previous_mask = true;
    } else if (m.is_array()) {
      const size_t n = static_cast<size_t>(mask_input_size) * mask_input_size;
      if (m.size() != n)
        bad("mask_input must hold " + std::to_string(mask_input_size) + "x" +
            std::to_string(mask_input_size) + " = " + std::to_string(n) + " logits, got " +
            std::to_string(m.size()));
      r.prompt.mask_input.reserve(n);
      for (const json& v : m) {
        if (!v.is_number() || !std::isfinite(v.get<double>())) bad("mask_input must hold finite numbers");
        r.prompt.mask_input.push_back(v.get<float>());
      }
    } else {
      bad("mask_input must be \"previous\" (the last click's best mask) or a list of logits");
    }
  }
  if (body.contains("mask_input_candidate")) {
    const json& k = body["mask_input_candidate"];
    if (!k.is_number_integer() || k.get<int64_t>() < 0 || k.get<int64_t>() > 2)
      bad("mask_input_candidate must be 0, 1 or 2");
    r.previous_candidate = k.get<int>();
  }
  if (body.contains("multimask")) {
    if (!body["multimask"].is_boolean()) bad("multimask must be true or false");
    r.prompt.multimask = body["multimask"].get<bool>();
    r.multimask_given = true;
  }
  if (r.prompt.points.empty() && !r.prompt.box && r.prompt.mask_input.empty() && !r.previous_mask)
    bad("give points (with labels), a box or a mask_input");
  // SAM's default, as `sam3rt click`: 3 candidates for an ambiguous prompt (one click), else 1.
  if (!r.multimask_given) r.prompt.multimask = r.prompt.points.size() <= 1 && !r.prompt.box;
  return r;
}

}  // namespace sam3rt::serve
