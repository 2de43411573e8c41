// `sam3rt click`: interactive segmentation of one object — positive/negative clicks, a box, or a
// previous result's mask → 1 or 3 candidate masks with their predicted IoU (the official
// `Sam3Image.predict_inst`). Uses the public C++ API like any other program would.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "io/image.h"
#include "io/png-writer.h"
#include "io/safetensors.h"
#include "pipeline/mask-box.h"
#include "pipeline/overlay.h"
#include "pipeline/rle.h"
#include "sam3rt/sam3rt.hpp"
#include "tools/sam3rt/arg-parse.h"
#include "tools/sam3rt/commands.h"
#include "tools/sam3rt/model-options.h"
#include "tools/sam3rt/segment-output.h"

namespace fs = std::filesystem;

namespace sam3rt::cli {

namespace {

struct ClickOptions {
  ModelCliOptions m;
  std::string image;
  std::vector<std::string> points;
  std::string box, mask_input;
  bool multimask = false, single = false;
  std::string out_dir, json, dump;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// "X,Y" with an optional ":neg" / ":pos" suffix.
Point parse_point(const std::string& spec) {
  const CoordSpec c = parse_coords("--point", spec, 2, "X,Y[:neg]");
  Point p{c.values[0], c.values[1], 1};
  if (c.label == "neg" || c.label == "negative")
    p.label = 0;
  else if (!c.label.empty() && c.label != "pos" && c.label != "positive")
    throw UsageError("--point '" + spec + "': the label after ':' must be 'neg' or 'pos'");
  return p;
}

// --mask-input FILE[:K]: a previous run's <stem>_low_res_logits.safetensors (candidate K, default
// the one with the highest predicted IoU), or a mask PNG (white = object) of any size, resized
// (nearest) to the low-resolution grid as ±10 logits, the scale the tracker gives mask prompts.
std::vector<float> read_mask_input(const std::string& spec, int size) {
  std::string path = spec;
  int index = -1;
  const size_t colon = spec.rfind(':');
  if (colon != std::string::npos && colon + 1 < spec.size() &&
      spec.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    path = spec.substr(0, colon);
    index = std::stoi(spec.substr(colon + 1));
  }
  std::error_code ec;
  SAM3RT_CHECK(fs::is_regular_file(path, ec), kIo, "mask input '", path, "' does not exist");
  std::vector<float> out(static_cast<size_t>(size) * size);
  if (fs::path(path).extension() == ".safetensors") {
    const std::map<std::string, Tensor> t = load_safetensors(path);
    auto it = t.find("low_res_logits");
    SAM3RT_CHECK(it != t.end(), kInvalidArgument, "mask input '", path,
                 "' holds no 'low_res_logits' tensor; give the _low_res_logits.safetensors that `sam3rt click "
                 "--out` wrote, or a mask PNG");
    const Tensor& logits = it->second;
    SAM3RT_CHECK(logits.dim() == 3 && logits.size(1) == size && logits.size(2) == size, kInvalidArgument,
                 "mask input '", path, "' has low_res_logits ", logits.shape().str(), "; this model needs [C, ", size,
                 ", ", size, "]");
    if (index < 0) {
      index = 0;
      auto iou = t.find("iou");
      if (iou != t.end()) {
        const std::vector<float> v = iou->second.to_vector();
        index = static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
      }
    }
    SAM3RT_CHECK(index < logits.size(0), kInvalidArgument, "mask input '", spec, "': candidate ", index,
                 " does not exist (the file holds ", logits.size(0), ")");
    const std::vector<float> v = logits.select(0, index).to_vector();
    std::copy(v.begin(), v.end(), out.begin());
    return out;
  }
  const Image mask = decode_image_file(path);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int sx = std::min(mask.width - 1, x * mask.width / size);
      const int sy = std::min(mask.height - 1, y * mask.height / size);
      out[static_cast<size_t>(y) * size + x] = mask.rgb[(static_cast<size_t>(sy) * mask.width + sx) * 3] > 127 ? 10.f : -10.f;
    }
  return out;
}

// A click as a filled square with a dark rim: green for positive, red for negative, grey otherwise.
void draw_click(std::vector<uint8_t>& rgb, int width, int height, const Point& p) {
  const std::array<uint8_t, 3> color = p.label == 1 ? std::array<uint8_t, 3>{40, 220, 60}
                                       : p.label == 0 ? std::array<uint8_t, 3>{230, 40, 40}
                                                      : std::array<uint8_t, 3>{160, 160, 160};
  const int r = std::max(3, std::min(width, height) / 80), cx = static_cast<int>(p.x), cy = static_cast<int>(p.y);
  for (int y = cy - r - 1; y <= cy + r + 1; ++y)
    for (int x = cx - r - 1; x <= cx + r + 1; ++x) {
      if (x < 0 || y < 0 || x >= width || y >= height) continue;
      const bool rim = std::abs(x - cx) > r || std::abs(y - cy) > r;
      uint8_t* px = &rgb[(static_cast<size_t>(y) * width + x) * 3];
      for (int k = 0; k < 3; ++k) px[k] = rim ? 0 : color[k];
    }
}

int run_click(const ClickOptions& o) {
  // --- everything that can be checked without the model, checked first --------------------
  if (o.m.threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores)");
  if (o.multimask && o.single) throw UsageError("--multimask and --single exclude each other");
  ClickPrompt prompt;
  for (const std::string& p : o.points) prompt.points.push_back(parse_point(p));
  if (!o.box.empty()) {
    const CoordSpec c = parse_coords("--box", o.box, 4, "X0,Y0,X1,Y1");
    if (!c.label.empty()) throw UsageError("--box '" + o.box + "': a click box takes no label");
    if (c.values[2] < c.values[0] || c.values[3] < c.values[1])
      throw UsageError("--box '" + o.box + "': x1 < x0 or y1 < y0; give the top-left corner first (X0,Y0,X1,Y1)");
    prompt.box = std::array<float, 4>{c.values[0], c.values[1], c.values[2], c.values[3]};
  }
  if (prompt.points.empty() && !prompt.box && o.mask_input.empty())
    throw UsageError("give at least one --point, a --box or a --mask-input");
  // SAM's default: 3 candidates for an ambiguous prompt (one click), 1 otherwise.
  prompt.multimask = o.multimask || (!o.single && prompt.points.size() <= 1 && !prompt.box);
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(o.m.model, ec), kIo, "model '", o.m.model,
               "' does not exist; pass sam3.pt, a .sam3rt file or a Hugging Face folder");
  SAM3RT_CHECK(fs::is_regular_file(o.image, ec), kIo, "image '", o.image, "' does not exist or is not a file");
  if (!o.out_dir.empty()) ensure_output_dir(o.out_dir);
  if (!o.json.empty() && o.json != "-") ensure_writable_file(o.json, "JSON file");
  if (!o.dump.empty()) ensure_writable_file(o.dump, "dump file");

  const bool progress = !o.m.quiet && ::isatty(2);
  std::map<std::string, double> timings;
  const auto t_total = Clock::now();
  try {
    choose_device(o.m.device);
    auto t0 = Clock::now();
    Model model = load_cli_model(o.m);
    timings["load"] = ms_since(t0);
    SAM3RT_CHECK(model.has_tracker(), kUnsupported, "the model '", o.m.model,
                 "' has no tracker weights (tracker.*), which clicks need; use the full sam3.pt, a Hugging "
                 "Face sam3_video folder or a .sam3rt converted from one");
    if (!o.mask_input.empty()) prompt.mask_input = read_mask_input(o.mask_input, model.mask_input_size());

    ImageSession session(model, o.m.exif);
    if (!o.dump.empty()) session.set_dump_path(o.dump);
    t0 = Clock::now();
    session.set_image(o.image);
    for (const Timing& t : session.image_timings()) timings[t.stage] += t.ms;
    if (progress) std::fprintf(stderr, "image encoded in %.0f ms\n", ms_since(t0));
    const ClickResult r = session.click(prompt);
    for (const Timing& t : r.timings) timings[t.stage] += t.ms;

    const std::string stem = fs::path(o.image).stem().string().empty() ? "image" : fs::path(o.image).stem().string();
    nlohmann::json candidates = click_candidates_json(r);
    nlohmann::json points = nlohmann::json::array();
    for (const Point& p : prompt.points) points.push_back({{"xy", {p.x, p.y}}, {"label", p.label}});
    if (!o.out_dir.empty()) {
      t0 = Clock::now();
      const int m = r.low_res_size;
      Tensor logits = Tensor::empty({static_cast<int64_t>(r.candidates.size()), m, m});
      std::vector<float> ious;
      for (size_t k = 0; k < r.candidates.size(); ++k) {
        const ClickCandidate& c = r.candidates[k];
        std::copy(c.low_res_logits.begin(), c.low_res_logits.end(), logits.data<float>() + k * m * m);
        ious.push_back(c.iou);
        write_mask_png((fs::path(o.out_dir) / (stem + "_c" + std::to_string(k) + ".png")).string(), c.mask, r.width,
                       r.height);
        std::vector<uint8_t> canvas(session.rgb(), session.rgb() + static_cast<size_t>(r.width) * r.height * 3);
        std::vector<pipeline::OverlayItem> items = {
            {c.mask.data(), pipeline::mask_box(c.mask.data(), r.width, r.height), c.iou}};
        if (prompt.box) items.push_back({nullptr, *prompt.box, c.iou});
        pipeline::draw_overlay(canvas.data(), r.width, r.height, items);
        for (const Point& p : prompt.points) draw_click(canvas, r.width, r.height, p);
        write_png((fs::path(o.out_dir) / (stem + "_c" + std::to_string(k) + "_overlay.png")).string(), canvas.data(),
                  r.width, r.height, 3);
      }
      const std::string low = (fs::path(o.out_dir) / (stem + "_low_res_logits.safetensors")).string();
      save_safetensors(low + ".tmp", {{"low_res_logits", logits},
                                      {"iou", Tensor::from_vector({static_cast<int64_t>(ious.size())}, ious)}});
      fs::rename(low + ".tmp", low);
      timings["write"] = ms_since(t0);
    }
    timings["total"] = ms_since(t_total);
    nlohmann::json doc = {{"model", o.m.model},
                          {"device", model.device()},
                          {"precision", o.m.precision},
                          {"image", {{"path", o.image}, {"width", r.width}, {"height", r.height}}},
                          {"prompt",
                           {{"points", points},
                            {"box", prompt.box ? nlohmann::json(*prompt.box) : nlohmann::json(nullptr)},
                            {"mask_input", o.mask_input.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.mask_input)},
                            {"multimask", prompt.multimask}}},
                          {"object_score_logit", r.object_score_logit},
                          {"candidates", candidates},
                          {"timings_ms", timings}};
    const std::string text = doc.dump(1) + "\n";
    if (!o.out_dir.empty()) write_file_atomic((fs::path(o.out_dir) / "result.json").string(), text);
    if (o.json == "-")
      std::fwrite(text.data(), 1, text.size(), stdout);
    else if (!o.json.empty())
      write_file_atomic(o.json, text);
    if (o.json.empty() && o.out_dir.empty()) {
      std::printf("%s (%dx%d): %zu candidate%s, object score logit %.3f\n", o.image.c_str(), r.width, r.height,
                  r.candidates.size(), r.candidates.size() == 1 ? "" : "s", r.object_score_logit);
      for (size_t k = 0; k < r.candidates.size(); ++k)
        std::printf("  candidate %zu  iou %.3f  area %lld px\n", k, r.candidates[k].iou,
                    static_cast<long long>(std::count(r.candidates[k].mask.begin(), r.candidates[k].mask.end(), 1)));
    }
    if (progress) {
      std::fprintf(stderr, "timings (ms):");
      for (const auto& [stage, ms] : timings) std::fprintf(stderr, " %s %.1f", stage.c_str(), ms);
      std::fprintf(stderr, "\n");
    }
  } catch (const ApiError& e) {
    throw Error(static_cast<ErrorCode>(e.status()), e.what());
  }
  return 0;
}

CommandRegistrar reg(
    "click", "Segment one object from clicks, a box or a previous mask (interactive, SAM-style)",
    [](CLI::App& cmd) -> CommandHandler {
      auto o = std::make_shared<ClickOptions>();
      add_model_options(cmd, o->m,
                        "Model with tracker weights: sam3.pt, a .sam3rt file or a Hugging Face sam3_video folder");
      cmd.add_option("--image,-i", o->image, "Image (JPEG or PNG)")->required();
      cmd.add_option("--point,-p", o->points,
                     "Click X,Y in pixels of the original image on the object; ':neg' for a click on what is not "
                     "the object. Repeat for several");
      cmd.add_option("--box,-b", o->box, "Box X0,Y0,X1,Y1 around the object, pixels of the original image");
      cmd.add_option("--mask-input", o->mask_input,
                     "A previous result to refine: the _low_res_logits.safetensors written by --out (':K' picks "
                     "candidate K, default the best), or a mask PNG (white = object)");
      cmd.add_flag("--multimask", o->multimask,
                   "Return 3 candidates (the default for a single click without a box)");
      cmd.add_flag("--single", o->single, "Return 1 mask (the default for several clicks or a box)");
      cmd.add_option("--out,-o", o->out_dir,
                     "Folder for <image>_c<k>.png masks (0/255), <image>_c<k>_overlay.png (clicks drawn), "
                     "<image>_low_res_logits.safetensors (for --mask-input) and result.json");
      cmd.add_option("--json", o->json, "Write the result as JSON to FILE ('-' = stdout)");
      cmd.add_option("--dump", o->dump, "Write the named intermediates to a .safetensors file");
      cmd.footer(
          "Candidates come in decoder order with their predicted IoU; masks are COCO RLE in the JSON.\n"
          "Exit codes: 0 success, 2 usage error (bad point, box, mask input or empty prompt), 1 runtime error "
          "(missing file, model without tracker weights, unavailable device).\n"
          "Example: sam3rt click -m sam3.pt -i dog.jpg -p 320,240 -p 100,80:neg -o out/");
      return [o] { return run_click(*o); };
    });

}  // namespace

}  // namespace sam3rt::cli
