// What `sam3rt segment` writes: the JSON document (issue 7's shape), mask PNGs, overlays, each
// file written under a temporary name and renamed so that an interrupted run never leaves a
// half-written file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::cli {

// One prompt as the user gave it, and what came back.
struct PromptRun {
  std::optional<std::string> text;
  std::vector<Box> boxes;
  Result result;
};

struct ImageRun {
  std::string path;
  int width = 0, height = 0;
  std::vector<PromptRun> prompts;
};

// {"path", "width", "height", "prompts": [{"text", "boxes", "presence", "instances": [{"query",
// "score", "box_xyxy", "mask": {"size": [h, w], "counts": RLE}}]}]}
nlohmann::json image_json(const ImageRun& run);

// A click's candidates as `sam3rt click --json` and the server write them: [{"index", "iou",
// "area", "box_xyxy", "mask": {"size": [h, w], "counts": RLE}}].
nlohmann::json click_candidates_json(const ClickResult& r);

// Writes `content` to path.tmp.<pid>, then renames it over `path`; kIo naming the path on failure
// (the temporary is removed).
void write_file_atomic(const std::string& path, const std::string& content);

// Mask as a 0/255 grey PNG, atomically. mask: row-major height × width, 0/1.
void write_mask_png(const std::string& path, const std::vector<uint8_t>& mask, int width, int height);
// The image with every instance of every prompt drawn over it, atomically.
void write_overlay_png(const std::string& path, const uint8_t* rgb, const ImageRun& run);

// "<stem>_p<prompt>_i<instance>.png"
std::string mask_file_name(const std::string& stem, size_t prompt, size_t instance);

// kIo unless `dir` exists (creating it and its parents if needed) and is writable.
void ensure_output_dir(const std::string& dir);
// kIo unless the folder that will hold `file` exists and is writable (checked before the model
// loads, so a typo fails in milliseconds, not after minutes of inference).
void ensure_writable_file(const std::string& file, const char* what);

}  // namespace sam3rt::cli
