// The HTTP server's request bodies (tools/sam3rt/serve/prompt-json.cpp): the body parsed as JSON,
// then read as a /segment and as a /click request for a 640×480 image. Input: the body; a first
// line "content-type: X" (optional) replaces application/json. A refused request is an HttpError
// (400/415) whose message must be safe to print; an accepted one holds only finite coordinates
// within the slack the parser allows, ordered boxes, labels 0/1 and bounded counts.
#include <cmath>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz-target.h"
#include "tools/sam3rt/serve/http-error.h"
#include "tools/sam3rt/serve/prompt-json.h"

namespace {

constexpr int kWidth = 640, kHeight = 480, kMaskInputSize = 16;

void check_finite(float v) {
  if (!std::isfinite(v) || std::abs(v) > 4.0f * kWidth + 1) std::abort();
}

void check_box(const std::array<float, 4>& b) {
  for (float v : b) check_finite(v);
  if (b[2] < b[0] || b[3] < b[1]) std::abort();
}

}  // namespace

SAM3RT_FUZZ_TARGET(server_request) {
  namespace serve = sam3rt::serve;
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string content_type = "application/json";
  const std::string header = "content-type: ";
  if (body.rfind(header, 0) == 0) {
    const size_t eol = body.find('\n');
    content_type =
        body.substr(header.size(), eol == std::string::npos ? std::string::npos : eol - header.size());
    body = eol == std::string::npos ? std::string() : body.substr(eol + 1);
  }
  nlohmann::json doc;
  try {
    doc = serve::parse_json_body(body, content_type);
  } catch (const serve::HttpError& e) {
    if (e.status() != 400 && e.status() != 415) std::abort();
    sam3rt::fuzz::check_message("server_request", e.what());
    return;
  }
  try {
    const serve::SegmentRequest r = serve::parse_segment_request(doc, kWidth, kHeight);
    if (r.texts.empty() || r.texts.size() > 64 || r.boxes.size() > 64) std::abort();
    for (const auto& t : r.texts)
      if (t && (t->empty() || t->size() > 1000)) std::abort();
    for (const auto& b : r.boxes) check_box(b.xyxy);
    if (!(r.threshold >= 0 && r.threshold <= 1)) std::abort();
  } catch (const serve::HttpError& e) {
    if (e.status() != 400) std::abort();
    sam3rt::fuzz::check_message("server_request", e.what());
  }
  try {
    const serve::ClickRequest r = serve::parse_click_request(doc, kWidth, kHeight, kMaskInputSize);
    if (r.prompt.points.size() > 256) std::abort();
    for (const auto& p : r.prompt.points) {
      check_finite(p.x);
      check_finite(p.y);
      if (p.label != 0 && p.label != 1) std::abort();
    }
    if (r.prompt.box) check_box(*r.prompt.box);
    if (!r.prompt.mask_input.empty() && r.prompt.mask_input.size() != size_t{kMaskInputSize} * kMaskInputSize)
      std::abort();
    for (float v : r.prompt.mask_input)
      if (!std::isfinite(v)) std::abort();
    if (r.previous_candidate < -1 || r.previous_candidate > 2) std::abort();
  } catch (const serve::HttpError& e) {
    if (e.status() != 400) std::abort();
    sam3rt::fuzz::check_message("server_request", e.what());
  }
}
