#include "tools/sam3rt/segment-output.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "io/png-writer.h"
#include "pipeline/mask-box.h"
#include "pipeline/overlay.h"
#include "pipeline/rle.h"

namespace fs = std::filesystem;

namespace sam3rt::cli {

nlohmann::json image_json(const ImageRun& run) {
  nlohmann::json prompts = nlohmann::json::array();
  for (const PromptRun& p : run.prompts) {
    nlohmann::json boxes = nlohmann::json::array();
    for (const Box& b : p.boxes)
      boxes.push_back({{"xyxy", b.xyxy}, {"label", b.positive ? "positive" : "negative"}});
    nlohmann::json instances = nlohmann::json::array();
    for (const Instance& inst : p.result.instances) {
      const pipeline::Rle rle = pipeline::rle_encode(inst.mask.data(), run.height, run.width);
      instances.push_back(
          {{"query", inst.query},
           {"score", inst.score},
           {"box_xyxy", inst.box_xyxy},
           {"mask", {{"size", {run.height, run.width}}, {"counts", pipeline::rle_to_string(rle.counts)}}}});
    }
    prompts.push_back({{"text", p.text ? nlohmann::json(*p.text) : nlohmann::json(nullptr)},
                       {"boxes", boxes},
                       {"presence", p.result.presence},
                       {"instances", instances}});
  }
  return {{"path", run.path}, {"width", run.width}, {"height", run.height}, {"prompts", prompts}};
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  SAM3RT_CHECK(f != nullptr, kIo, "cannot write '", path, "': ", std::strerror(errno));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    fail(ErrorCode::kIo, "cannot write '", path, "': ", std::strerror(err ? err : EIO));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rerr = errno;
    std::remove(tmp.c_str());
    fail(ErrorCode::kIo, "cannot write '", path, "': ", std::strerror(rerr));
  }
}

void write_mask_png(const std::string& path, const std::vector<uint8_t>& mask, int width, int height) {
  std::vector<uint8_t> grey(mask.size());
  for (size_t i = 0; i < mask.size(); ++i) grey[i] = mask[i] ? 255 : 0;
  write_png(path, grey.data(), width, height, 1);
}

void write_overlay_png(const std::string& path, const uint8_t* rgb, const ImageRun& run) {
  std::vector<uint8_t> canvas(rgb, rgb + static_cast<size_t>(run.width) * run.height * 3);
  std::vector<pipeline::OverlayItem> items;
  for (const PromptRun& p : run.prompts)
    for (const Instance& inst : p.result.instances)
      items.push_back({inst.mask.data(), inst.box_xyxy, inst.score});
  pipeline::draw_overlay(canvas.data(), run.width, run.height, items);
  write_png(path, canvas.data(), run.width, run.height, 3);
}

std::string mask_file_name(const std::string& stem, size_t prompt, size_t instance) {
  return stem + "_p" + std::to_string(prompt) + "_i" + std::to_string(instance) + ".png";
}

void ensure_output_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    SAM3RT_CHECK(!fs::exists(dir, ec), kIo, "output folder '", dir, "' exists and is not a folder");
    fs::create_directories(dir, ec);
    SAM3RT_CHECK(!ec, kIo, "cannot create output folder '", dir, "': ", ec.message());
  }
  SAM3RT_CHECK(::access(dir.c_str(), W_OK) == 0, kIo, "output folder '", dir, "' is not writable");
}

void ensure_writable_file(const std::string& file, const char* what) {
  std::error_code ec;
  SAM3RT_CHECK(!fs::is_directory(file, ec), kIo, what, " '", file, "' is a folder; give a file name");
  fs::path parent = fs::path(file).parent_path();
  if (parent.empty()) parent = ".";
  SAM3RT_CHECK(fs::is_directory(parent, ec), kIo, "cannot write ", what, " '", file, "': folder '",
               parent.string(), "' does not exist");
  SAM3RT_CHECK(::access(parent.c_str(), W_OK) == 0, kIo, "cannot write ", what, " '", file, "': folder '",
               parent.string(), "' is not writable");
}

nlohmann::json click_candidates_json(const ClickResult& r) {
  nlohmann::json candidates = nlohmann::json::array();
  for (size_t k = 0; k < r.candidates.size(); ++k) {
    const ClickCandidate& c = r.candidates[k];
    const pipeline::Rle rle = pipeline::rle_encode(c.mask.data(), r.height, r.width);
    candidates.push_back(
        {{"index", k},
         {"iou", c.iou},
         {"area", std::count(c.mask.begin(), c.mask.end(), 1)},
         {"box_xyxy", pipeline::mask_box(c.mask.data(), r.width, r.height)},
         {"mask", {{"size", {r.height, r.width}}, {"counts", pipeline::rle_to_string(rle.counts)}}}});
  }
  return candidates;
}

}  // namespace sam3rt::cli
