// `sam3rt segment`: find every instance of a concept in images. Uses the public C++ API
// (sam3rt.hpp over the C API) like any other program would.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "sam3rt/sam3rt.hpp"
#include "tools/sam3rt/arg-parse.h"
#include "tools/sam3rt/commands.h"
#include "tools/sam3rt/model-options.h"
#include "tools/sam3rt/segment-output.h"

namespace fs = std::filesystem;

namespace sam3rt::cli {

namespace {

struct SegmentOptions {
  ModelCliOptions m;
  std::vector<std::string> images;
  std::vector<std::string> texts;
  std::vector<std::string> boxes;
  float threshold = 0.5f;
  std::string out_dir;
  std::string json;
  std::string dump;
  bool profile = false;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// "X0,Y0,X1,Y1" with an optional ":neg" (negative exemplar) or ":pos" suffix.
Box parse_box(const std::string& spec) {
  const CoordSpec c = parse_coords("--box", spec, 4, "X0,Y0,X1,Y1[:neg]");
  Box box;
  if (c.label == "neg" || c.label == "negative")
    box.positive = false;
  else if (!c.label.empty() && c.label != "pos" && c.label != "positive")
    throw UsageError("--box '" + spec + "': the label after ':' must be 'neg' or 'pos'");
  const std::vector<float>& v = c.values;
  if (v[2] < v[0] || v[3] < v[1])
    throw UsageError("--box '" + spec +
                     "': x1 < x0 or y1 < y0; give the top-left corner first (X0,Y0,X1,Y1)");
  box.xyxy = {v[0], v[1], v[2], v[3]};
  return box;
}

// Errors from the C/C++ API become the CLI's typed errors (exit 2 for invalid arguments, else 1).
[[noreturn]] void rethrow_api_error(const ApiError& e) {
  throw Error(static_cast<ErrorCode>(e.status()), e.what());
}

std::string unique_stem(const std::string& path, std::set<std::string>* used) {
  std::string stem = fs::path(path).stem().string();
  if (stem.empty()) stem = "image";
  std::string s = stem;
  for (int n = 2; used->count(s); ++n) s = stem + "-" + std::to_string(n);
  used->insert(s);
  return s;
}

void print_summary(const ImageRun& run) {
  std::printf("%s (%dx%d)\n", run.path.c_str(), run.width, run.height);
  for (const PromptRun& p : run.prompts) {
    std::printf("  prompt %s%s: %zu instance%s, presence %.3f\n",
                p.text ? ("\"" + *p.text + "\"").c_str() : "(boxes)",
                p.boxes.empty() ? "" : (" + " + std::to_string(p.boxes.size()) + " box(es)").c_str(),
                p.result.instances.size(), p.result.instances.size() == 1 ? "" : "s", p.result.presence);
    for (const Instance& inst : p.result.instances)
      std::printf("    query %3d  score %.3f  box %.1f %.1f %.1f %.1f\n", inst.query, inst.score,
                  inst.box_xyxy[0], inst.box_xyxy[1], inst.box_xyxy[2], inst.box_xyxy[3]);
  }
}

// The --profile table: ops by wall time, and what ran outside any op (I/O, preprocessing glue).
void print_op_profile(double total_ms) {
  const std::vector<sam3rt_op_profile_row> rows = op_timings();
  double in_ops = 0;
  for (const auto& r : rows) in_ops += r.ms;
  std::fprintf(stderr, "op profile (wall time, %.1f ms in ops of %.1f ms total):\n", in_ops, total_ms);
  std::fprintf(stderr, "  %-28s %8s %11s %7s\n", "op", "calls", "ms", "share");
  for (const auto& r : rows)
    std::fprintf(stderr, "  %-28s %8lld %11.1f %6.1f%%\n", r.op, static_cast<long long>(r.calls), r.ms,
                 total_ms > 0 ? 100.0 * r.ms / total_ms : 0.0);
  std::fprintf(stderr, "  %-28s %8s %11.1f %6.1f%%\n", "(outside ops)", "", total_ms - in_ops,
               total_ms > 0 ? 100.0 * (total_ms - in_ops) / total_ms : 0.0);
}

int run_segment(const SegmentOptions& o) {
  // --- everything that can be checked without the model, checked first --------------------
  if (!std::isfinite(o.threshold) || o.threshold < 0.f || o.threshold > 1.f)
    throw UsageError("--threshold must be in [0, 1], got " + std::to_string(o.threshold));
  if (o.m.threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores)");
  std::vector<Box> boxes;
  for (const std::string& b : o.boxes) boxes.push_back(parse_box(b));
  const size_t n_prompts = o.texts.empty() ? 1 : o.texts.size();
  if (o.texts.empty() && boxes.empty()) throw UsageError("give at least one --text or --box");
  if (!o.dump.empty() && (o.images.size() != 1 || n_prompts != 1))
    throw UsageError("--dump records one image and one prompt; got " + std::to_string(o.images.size()) +
                     " image(s) and " + std::to_string(n_prompts) + " prompt(s)");
  std::string device;
  try {
    device = choose_device(o.m.device);
  } catch (const ApiError& e) {
    rethrow_api_error(e);
  }
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(o.m.model, ec), kIo, "model '", o.m.model,
               "' does not exist; pass sam3.pt, a .sam3rt file or a Hugging Face folder");
  for (const std::string& img : o.images) {
    SAM3RT_CHECK(fs::exists(img, ec), kIo, "image '", img, "' does not exist");
    SAM3RT_CHECK(!fs::is_directory(img, ec), kIo, "image '", img, "' is a folder; give image files");
  }
  if (!o.out_dir.empty()) ensure_output_dir(o.out_dir);
  if (!o.json.empty() && o.json != "-") ensure_writable_file(o.json, "JSON file");
  if (!o.dump.empty()) ensure_writable_file(o.dump, "dump file");

  const bool progress = !o.m.quiet && ::isatty(2);
  std::map<std::string, double> timings;
  if (o.profile) profile_ops(true);
  auto t_total = Clock::now();
  try {
    if (progress) std::fprintf(stderr, "loading %s ...\n", o.m.model.c_str());
    auto t0 = Clock::now();
    Model model = load_cli_model(o.m);
    timings["load"] = ms_since(t0);
    if (progress) std::fprintf(stderr, "model loaded in %.0f ms\n", timings["load"]);

    ImageSession session(model, o.m.exif);
    nlohmann::json images = nlohmann::json::array();
    std::set<std::string> stems;
    for (size_t i = 0; i < o.images.size(); ++i) {
      ImageRun run;
      run.path = o.images[i];
      if (!o.dump.empty()) session.set_dump_path(o.dump);
      t0 = Clock::now();
      session.set_image(run.path);
      double image_ms = ms_since(t0), staged = 0;
      for (const Timing& t : session.image_timings()) {
        timings[t.stage] += t.ms;
        staged += t.ms;
      }
      timings["decode"] += std::max(0.0, image_ms - staged);
      run.width = session.width();
      run.height = session.height();
      if (progress)
        std::fprintf(stderr, "[%zu/%zu] %s (%dx%d): image encoded in %.0f ms\n", i + 1, o.images.size(),
                     run.path.c_str(), run.width, run.height, image_ms);
      for (size_t p = 0; p < n_prompts; ++p) {
        PromptRun pr;
        if (!o.texts.empty()) pr.text = o.texts[p];
        pr.boxes = boxes;
        Prompt prompt;
        prompt.text = pr.text;
        prompt.boxes = boxes;
        prompt.threshold = o.threshold;
        t0 = Clock::now();
        pr.result = session.predict(prompt);
        for (const Timing& t : pr.result.timings) timings[t.stage] += t.ms;
        if (progress)
          std::fprintf(stderr, "  %s: %zu instance(s), presence %.3f, %.0f ms\n",
                       pr.text ? ("\"" + *pr.text + "\"").c_str() : "(boxes)", pr.result.instances.size(),
                       pr.result.presence, ms_since(t0));
        run.prompts.push_back(std::move(pr));
      }
      if (!o.out_dir.empty()) {
        t0 = Clock::now();
        const std::string stem = unique_stem(run.path, &stems);
        for (size_t p = 0; p < run.prompts.size(); ++p)
          for (size_t k = 0; k < run.prompts[p].result.instances.size(); ++k)
            write_mask_png((fs::path(o.out_dir) / mask_file_name(stem, p, k)).string(),
                           run.prompts[p].result.instances[k].mask, run.width, run.height);
        write_overlay_png((fs::path(o.out_dir) / (stem + "_overlay.png")).string(), session.rgb(), run);
        timings["write"] += ms_since(t0);
      }
      if (o.json.empty() && o.out_dir.empty()) print_summary(run);
      images.push_back(image_json(run));
    }
    timings["total"] = ms_since(t_total);

    nlohmann::json doc = {
        {"model", o.m.model},   {"device", model.device()}, {"precision", o.m.precision},
        {"images", images},   {"timings_ms", timings}};
    const std::string text = doc.dump(1) + "\n";
    if (!o.out_dir.empty()) write_file_atomic((fs::path(o.out_dir) / "result.json").string(), text);
    if (o.json == "-")
      std::fwrite(text.data(), 1, text.size(), stdout);
    else if (!o.json.empty())
      write_file_atomic(o.json, text);
    if (progress) {
      std::fprintf(stderr, "timings (ms):");
      for (const auto& [stage, ms] : timings) std::fprintf(stderr, " %s %.1f", stage.c_str(), ms);
      std::fprintf(stderr, "\n");
    }
    if (o.profile) print_op_profile(timings["total"]);
    if (!o.m.quiet && !o.out_dir.empty())
      std::fprintf(stderr, "wrote masks, overlays and result.json to %s\n", o.out_dir.c_str());
  } catch (const ApiError& e) {
    rethrow_api_error(e);
  }
  return 0;
}

CommandRegistrar reg(
    "segment", "Find every instance of a concept (text and/or exemplar boxes) in images",
    [](CLI::App& cmd) -> CommandHandler {
      auto o = std::make_shared<SegmentOptions>();
      add_model_options(cmd, o->m, "Model: sam3.pt, a .sam3rt file or a Hugging Face folder");
      cmd.add_option("--image,-i", o->images, "Image (JPEG or PNG); repeat for several, each is encoded once")
          ->required();
      cmd.add_option("--text,-t", o->texts, "A noun phrase to find; each --text is one prompt");
      cmd.add_option(
          "--box,-b", o->boxes,
          "Exemplar box X0,Y0,X1,Y1 in pixels of the original image, ':neg' for a negative example; "
          "boxes join every prompt (with no --text they are the prompt). A box with NaN, x1<x0, y1<y0 "
          "or entirely outside the image is refused; one partly outside is used as given");
      cmd.add_option("--threshold", o->threshold, "Keep instances with score > threshold, in [0, 1]")
          ->capture_default_str();
      cmd.add_option(
          "--out,-o", o->out_dir,
          "Folder for <image>_p<prompt>_i<k>.png masks (0/255), <image>_overlay.png and result.json");
      cmd.add_option("--json", o->json, "Write the results as JSON to FILE ('-' = stdout)");
      cmd.add_option("--dump", o->dump,
                     "Write the intermediates of one image + one prompt to a .safetensors file");
      cmd.add_flag("--profile", o->profile, "Print the wall time spent in each op on stderr at the end");
      cmd.footer(
          "Without --out or --json a summary is printed. Exit codes: 0 success, 2 usage error, 1 runtime "
          "error.\n"
          "Example: sam3rt segment -m sam3.pt -i street.jpg -t car -t \"traffic light\" -o out/");
      return [o] { return run_segment(*o); };
    });

}  // namespace

}  // namespace sam3rt::cli
