// `sam3rt track`: video object tracking — clicks, boxes or masks on any frames, propagated through
// the video (the tracker half of the official Sam3VideoPredictor). Streams one JSON line per frame
// as frames are computed; optionally writes per-frame mask PNGs and an overlay video. Uses the
// public C++ API for the tracking, like any other program would.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "io/image.h"
#include "io/png-writer.h"
#include "io/video-source.h"
#include "io/video-writer.h"
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

struct TrackOptions {
  ModelCliOptions m;
  std::string video;
  std::vector<std::string> points, boxes, masks;
  std::vector<int> objs;
  std::string direction = "forward";
  int start = -1, max_frames = -1;
  std::string out_dir, json, overlay;
  bool no_memory_selection = false;
  // concept mode (--text): every instance of the phrase, found and tracked
  std::string text;
  int prompt_frame = -1;
  std::vector<std::string> concept_options;
  CLI::App* cmd = nullptr;  // for the order in which --obj and the prompts were given
};

using Clock = std::chrono::steady_clock;

// The prompts of one object on one frame, sent to the session as one call (a later call on the
// same frame and object replaces the earlier one, as in the official predictor).
struct FramePrompt {
  int frame = 0, obj = 1;
  std::vector<Point> points;
  std::optional<std::array<float, 4>> box;
  std::string mask_png;
};

// "F:REST" → F (a frame index, >= 0) and REST.
std::pair<int, std::string> split_frame(const char* flag, const std::string& spec, const char* form) {
  const size_t colon = spec.find(':');
  const std::string f = spec.substr(0, colon);
  if (colon == std::string::npos || f.empty() || f.size() > 9 ||
      f.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(std::string(flag) + " '" + spec + "': expected " + form +
                     " starting with a frame index (e.g. 0:)");
  return {std::stoi(f), spec.substr(colon + 1)};
}

// The prompts in command-line order; each --obj applies to the prompts after it (default 1).
std::vector<FramePrompt> collect_prompts(const TrackOptions& o) {
  std::vector<FramePrompt> out;
  auto slot = [&](int frame, int obj) -> FramePrompt& {
    for (FramePrompt& p : out)
      if (p.frame == frame && p.obj == obj) return p;
    out.push_back({frame, obj, {}, std::nullopt, {}});
    return out.back();
  };
  int obj = 1;
  std::map<std::string, size_t> used;  // option name → results consumed
  for (const CLI::Option* opt : o.cmd->parse_order()) {
    const std::string name = opt->get_name();
    const size_t i = used[name]++;
    if (name == "--obj") {
      obj = o.objs.at(i);
    } else if (name == "--point") {
      const auto [frame, rest] = split_frame("--point", o.points.at(i), "F:X,Y[:neg]");
      const CoordSpec c = parse_coords("--point", rest, 2, "F:X,Y[:neg]");
      Point p{c.values[0], c.values[1], 1};
      if (c.label == "neg" || c.label == "negative")
        p.label = 0;
      else if (!c.label.empty() && c.label != "pos" && c.label != "positive")
        throw UsageError("--point '" + o.points.at(i) +
                         "': the label after the coordinates must be 'neg' or 'pos'");
      FramePrompt& s = slot(frame, obj);
      if (!s.mask_png.empty())
        throw UsageError("--point '" + o.points[i] + "': object " + std::to_string(obj) +
                         " already has a --mask on frame " + std::to_string(frame));
      s.points.push_back(p);
    } else if (name == "--box") {
      const auto [frame, rest] = split_frame("--box", o.boxes.at(i), "F:X0,Y0,X1,Y1");
      const CoordSpec c = parse_coords("--box", rest, 4, "F:X0,Y0,X1,Y1");
      if (!c.label.empty()) throw UsageError("--box '" + o.boxes[i] + "': a tracking box takes no label");
      if (c.values[2] < c.values[0] || c.values[3] < c.values[1])
        throw UsageError("--box '" + o.boxes[i] + "': x1 < x0 or y1 < y0; give the top-left corner first");
      FramePrompt& s = slot(frame, obj);
      if (s.box || !s.mask_png.empty())
        throw UsageError("--box '" + o.boxes[i] + "': object " + std::to_string(obj) + " already has a " +
                         (s.box ? "box" : "mask") + " on frame " + std::to_string(frame));
      s.box = std::array<float, 4>{c.values[0], c.values[1], c.values[2], c.values[3]};
    } else if (name == "--mask") {
      const auto [frame, path] = split_frame("--mask", o.masks.at(i), "F:FILE.png");
      if (path.empty()) throw UsageError("--mask '" + o.masks[i] + "': no file after the frame index");
      FramePrompt& s = slot(frame, obj);
      if (!s.points.empty() || s.box || !s.mask_png.empty())
        throw UsageError("--mask '" + o.masks[i] + "': object " + std::to_string(obj) +
                         " already has another prompt on frame " + std::to_string(frame));
      s.mask_png = path;
    }
  }
  if (out.empty())
    throw UsageError("give at least one --point, --box or --mask (F:... with the frame index first)");
  return out;
}

// How many frames the propagation will report (for the progress line), as the session orders them.
int expected_frames(const std::string& direction, int start, int max_frames, int n) {
  const int limit = max_frames < 0 ? n : max_frames;
  const int forward = std::min(start + limit, n - 1) - start + 1;
  const int backward = start > 0 ? start - std::max(start - limit, 0) + 1 : 1;
  if (direction == "forward") return forward;
  if (direction == "backward") return backward;
  return forward + (start > 0 && limit > 0 ? start - std::max(start - limit, 0) : 0);
}

// A text file written under a temporary name while frames stream in; moved into place by
// commit(), removed if the run fails before that.
class StreamedFile {
 public:
  explicit StreamedFile(std::string path)
      : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    file_ = std::fopen(tmp_.c_str(), "wb");
    SAM3RT_CHECK(file_ != nullptr, kIo, "cannot write '", path_, "'");
  }
  ~StreamedFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  void write(const std::string& line) {
    SAM3RT_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size(), kIo, "cannot write '", path_,
                 "'");
  }
  void commit() {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    SAM3RT_CHECK(ok && std::rename(tmp_.c_str(), path_.c_str()) == 0, kIo, "cannot write '", path_, "'");
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

std::vector<uint8_t> decode_rle(const VideoObject& o, int width, int height) {
  return pipeline::rle_decode({height, width, pipeline::rle_from_string(o.mask_rle)});
}

// The frames from the first to the last tracked one, in time order (a "both" run reports them out
// of order, hence after the propagation), each tracked object drawn in its own colour.
// colour_by_id: each object's colour follows its id (concept tracking, where objects come and go);
// otherwise its position in the frame's list (the prompted objects, always listed in one order).
void write_overlay_video(io::VideoWriter& writer, const std::string& video,
                         const std::map<int, VideoFrame>& results, bool colour_by_id = false) {
  auto source = io::open_frame_source(video);
  const io::VideoInfo& info = source->info();
  const int first = results.begin()->first, last = results.rbegin()->first;
  const size_t plane = static_cast<size_t>(info.width) * info.height;
  for (int f = first; f <= last; ++f) {
    const Tensor chw = source->frame(f).contiguous();  // u8 [3, H, W]
    std::vector<uint8_t> rgb(plane * 3);
    for (size_t p = 0; p < plane; ++p)
      for (int c = 0; c < 3; ++c) rgb[p * 3 + c] = chw.data<uint8_t>()[c * plane + p];
    auto it = results.find(f);
    if (it != results.end()) {
      std::vector<std::vector<uint8_t>> masks;
      for (const VideoObject& o : it->second.objects) masks.push_back(decode_rle(o, info.width, info.height));
      std::vector<pipeline::OverlayItem> items;  // item k = object k: colours stay with their object
      for (size_t k = 0; k < masks.size(); ++k)
        items.push_back({masks[k].data(), it->second.objects[k].box_xyxy, it->second.objects[k].score,
                         colour_by_id ? it->second.objects[k].id : -1});
      pipeline::draw_overlay(rgb.data(), info.width, info.height, items);
    }
    Tensor out = Tensor::empty({3, info.height, info.width}, DType::kU8);
    for (size_t p = 0; p < plane; ++p)
      for (int c = 0; c < 3; ++c) out.data<uint8_t>()[c * plane + p] = rgb[p * 3 + c];
    writer.write(out);
  }
  writer.finish();
}

int run_track_concept(const TrackOptions& o);

int run_track(const TrackOptions& o) {
  if (o.cmd->count("--text") > 0) return run_track_concept(o);
  // --- everything that can be checked without the model, checked first --------------------
  if (o.m.threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores)");
  if (o.cmd->count("--frame") > 0 || !o.concept_options.empty())
    throw UsageError("--frame and --option go with --text (concept tracking)");
  if (o.direction != "forward" && o.direction != "backward" && o.direction != "both")
    throw UsageError("--direction '" + o.direction + "': expected forward, backward or both");
  if (o.start < -1) throw UsageError("--start must be a frame index (>= 0)");
  if (o.max_frames < -1) throw UsageError("--max-frames must be >= 0");
  const std::vector<FramePrompt> prompts = collect_prompts(o);
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(o.m.model, ec), kIo, "model '", o.m.model,
               "' does not exist; pass sam3.pt, a .sam3rt file or a Hugging Face folder");
  SAM3RT_CHECK(fs::exists(o.video, ec), kIo, "video '", o.video, "' does not exist");
  for (const FramePrompt& p : prompts)
    if (!p.mask_png.empty())
      SAM3RT_CHECK(fs::is_regular_file(p.mask_png, ec), kIo, "mask '", p.mask_png, "' does not exist");
  if (!o.out_dir.empty()) ensure_output_dir(o.out_dir);
  if (!o.json.empty() && o.json != "-") ensure_writable_file(o.json, "JSON file");
  if (!o.overlay.empty()) ensure_writable_file(o.overlay, "overlay video");

  const bool progress = !o.m.quiet && ::isatty(2);
  try {
    choose_device(o.m.device);
    Model model = load_cli_model(o.m);
    SAM3RT_CHECK(
        model.has_tracker(), kUnsupported, "the model '", o.m.model,
        "' has no tracker weights (tracker.*), which tracking needs; use the full sam3.pt, a Hugging "
        "Face sam3_video folder or a .sam3rt converted from one");
    VideoOptions options;
    options.use_memory_selection = !o.no_memory_selection;
    VideoSession video(model, o.video, options);
    const int W = video.width(), H = video.height(), n = video.frame_count();
    int first_prompt = n;
    for (const FramePrompt& p : prompts) {
      first_prompt = std::min(first_prompt, p.frame);
      if (!p.mask_png.empty()) {
        const Image mask = decode_image_file(p.mask_png);
        std::vector<uint8_t> m(static_cast<size_t>(mask.width) * mask.height);
        for (size_t i = 0; i < m.size(); ++i) m[i] = mask.rgb[i * 3] > 127 ? 1 : 0;  // white = object
        video.add_mask(p.frame, p.obj, m.data(), mask.width, mask.height);
      } else if (p.box) {
        video.add_box(p.frame, p.obj, *p.box, p.points);
      } else {
        video.add_points(p.frame, p.obj, p.points);
      }
    }
    const Direction direction = o.direction == "forward"    ? Direction::kForward
                                : o.direction == "backward" ? Direction::kBackward
                                                            : Direction::kBoth;
    // Outputs are created only now, after the prompts were accepted.
    std::optional<StreamedFile> json_file, out_jsonl;
    // Opened before tracking so that a build without FFmpeg says so at once.
    std::optional<io::VideoWriter> overlay;
    if (!o.overlay.empty()) overlay.emplace(o.overlay, W, H, video.fps() > 0 ? video.fps() : 30.0);
    if (!o.json.empty() && o.json != "-") json_file.emplace(o.json);
    if (!o.out_dir.empty()) out_jsonl.emplace((fs::path(o.out_dir) / "track.jsonl").string());
    std::vector<std::string> pngs;   // written so far, removed if the run fails
    std::map<int, VideoFrame> kept;  // for the overlay (RLE only)
    const int total = expected_frames(o.direction, o.start >= 0 ? o.start : first_prompt, o.max_frames, n);
    int done = 0;
    const auto t0 = Clock::now();
    try {
      video.propagate(direction, o.start, o.max_frames, [&](const VideoFrame& f) {
        nlohmann::json objects = nlohmann::json::array();
        for (const VideoObject& obj : f.objects)
          objects.push_back({{"id", obj.id},
                             {"score", obj.score},
                             {"box_xyxy", obj.box_xyxy},
                             {"mask", {{"size", {H, W}}, {"counts", obj.mask_rle}}}});
        const std::string line = nlohmann::json{{"frame", f.frame}, {"objects", objects}}.dump() + "\n";
        if (o.json == "-") {
          std::fwrite(line.data(), 1, line.size(), stdout);
          std::fflush(stdout);  // streamed: a reader sees each frame as soon as it is done
        }
        if (json_file) json_file->write(line);
        if (out_jsonl) out_jsonl->write(line);
        if (!o.out_dir.empty())
          for (const VideoObject& obj : f.objects) {
            char name[64];
            std::snprintf(name, sizeof name, "frame_%05d_obj_%d.png", f.frame, obj.id);
            pngs.push_back((fs::path(o.out_dir) / name).string());
            write_mask_png(pngs.back(), decode_rle(obj, W, H), W, H);
          }
        if (!o.overlay.empty()) kept[f.frame] = f;
        ++done;
        if (progress) {
          const double s = std::chrono::duration<double>(Clock::now() - t0).count();
          const double rate = done / std::max(s, 1e-9);
          std::fprintf(stderr, "\rframe %d/%d  %.1f frames/s  ETA %.0f s   ", done, total, rate,
                       std::max(0, total - done) / std::max(rate, 1e-9));
        }
      });
      if (progress) std::fprintf(stderr, "\n");
      if (overlay && !kept.empty()) write_overlay_video(*overlay, o.video, kept);
      if (json_file) json_file->commit();
      if (out_jsonl) out_jsonl->commit();
    } catch (...) {
      if (progress) std::fprintf(stderr, "\n");
      for (const std::string& p : pngs) fs::remove(p, ec);
      throw;
    }
    if (o.json.empty() && o.out_dir.empty() && o.overlay.empty()) {
      std::vector<int> ids;
      for (const FramePrompt& p : prompts)
        if (std::find(ids.begin(), ids.end(), p.obj) == ids.end()) ids.push_back(p.obj);
      std::printf(
          "%s (%dx%d, %d frames): tracked %d frame%s of %zu object%s; add --json - to see the masks\n",
          o.video.c_str(), W, H, n, done, done == 1 ? "" : "s", ids.size(), ids.size() == 1 ? "" : "s");
    }
  } catch (const ApiError& e) {
    throw Error(static_cast<ErrorCode>(e.status()), e.what());
  }
  return 0;
}

// "NAME=VALUE" → the pair; VALUE a number, true or false.
std::pair<std::string, double> parse_concept_option(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw UsageError("--option '" + spec + "': expected NAME=VALUE (e.g. new_det_thresh=0.6)");
  const std::string name = spec.substr(0, eq), value = spec.substr(eq + 1);
  if (value == "true") return {name, 1.0};
  if (value == "false") return {name, 0.0};
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0' || !std::isfinite(v))
    throw UsageError("--option '" + spec + "': '" + value + "' is not a number");
  return {name, v};
}

// ref: Sam3VideoPredictor.handle_request (add_prompt with text / one box, then
// handle_stream_request propagate_in_video), through the public C++ API.
int run_track_concept(const TrackOptions& o) {
  if (o.m.threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores)");
  if (o.direction != "forward" && o.direction != "backward" && o.direction != "both")
    throw UsageError("--direction '" + o.direction + "': expected forward, backward or both");
  if (o.start < -1) throw UsageError("--start must be a frame index (>= 0)");
  if (o.max_frames < -1) throw UsageError("--max-frames must be >= 0");
  if (o.prompt_frame < -1) throw UsageError("--frame must be a frame index (>= 0)");
  if (o.text.empty()) throw UsageError("--text: give a noun phrase (or 'visual' for the --box alone)");
  if (!o.points.empty() || !o.masks.empty() || !o.objs.empty())
    throw UsageError(
        "--point, --mask and --obj are for tracking given objects; with --text the objects are found. "
        "Clicks that refine found objects are in the C/C++ API (sam3rt_concept_session_add_points)");
  if (o.boxes.size() > 1) throw UsageError("--box: a concept prompt takes at most one exemplar box");
  std::optional<std::array<float, 4>> box;
  int frame = o.prompt_frame >= 0 ? o.prompt_frame : 0;
  if (!o.boxes.empty()) {
    const auto [f, rest] = split_frame("--box", o.boxes[0], "F:X0,Y0,X1,Y1");
    const CoordSpec c = parse_coords("--box", rest, 4, "F:X0,Y0,X1,Y1[:neg]");
    if (c.values[2] < c.values[0] || c.values[3] < c.values[1])
      throw UsageError("--box '" + o.boxes[0] + "': x1 < x0 or y1 < y0; give the top-left corner first");
    if (!c.label.empty() && c.label != "neg" && c.label != "pos")
      throw UsageError("--box '" + o.boxes[0] + "': the label after the coordinates must be 'neg' or 'pos'");
    if (o.prompt_frame >= 0 && o.prompt_frame != f)
      throw UsageError("--box is on frame " + std::to_string(f) + " but --frame is " +
                       std::to_string(o.prompt_frame) + ": the text and the box are one prompt on one frame");
    frame = f;
    box = std::array<float, 4>{c.values[0], c.values[1], c.values[2], c.values[3]};
  }
  const bool negative_box =
      !o.boxes.empty() && o.boxes[0].size() > 4 && o.boxes[0].substr(o.boxes[0].size() - 4) == ":neg";
  if (o.text == "visual" && !box) throw UsageError("--text visual means the --box alone: give a --box");
  ConceptOptions options;
  for (const std::string& spec : o.concept_options) options.push_back(parse_concept_option(spec));
  if (o.no_memory_selection) options.push_back({"use_memory_selection", 0.0});
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(o.m.model, ec), kIo, "model '", o.m.model,
               "' does not exist; pass sam3.pt, a .sam3rt file or a Hugging Face folder");
  SAM3RT_CHECK(fs::exists(o.video, ec), kIo, "video '", o.video, "' does not exist");
  if (!o.out_dir.empty()) ensure_output_dir(o.out_dir);
  if (!o.json.empty() && o.json != "-") ensure_writable_file(o.json, "JSON file");
  if (!o.overlay.empty()) ensure_writable_file(o.overlay, "overlay video");

  const bool progress = !o.m.quiet && ::isatty(2);
  try {
    choose_device(o.m.device);
    Model model = load_cli_model(o.m);
    SAM3RT_CHECK(model.has_tracker(), kUnsupported, "the model '", o.m.model,
                 "' has no tracker weights (tracker.*), which concept tracking in video needs; use the full "
                 "sam3.pt, a Hugging Face sam3_video folder or a .sam3rt converted from one");
    ConceptSession video(model, o.video, options);
    const int W = video.width(), H = video.height(), n = video.frame_count();
    if (frame >= n)
      throw Error(ErrorCode::kInvalidArgument, "the prompt is on frame " + std::to_string(frame) +
                                                   " but the video has " + std::to_string(n) +
                                                   " frames (0.." + std::to_string(n - 1) + ")");
    video.add_prompt(frame, o.text == "visual" ? std::nullopt : std::optional<std::string>(o.text), box,
                     !negative_box);
    const Direction direction = o.direction == "forward"    ? Direction::kForward
                                : o.direction == "backward" ? Direction::kBackward
                                                            : Direction::kBoth;
    std::optional<StreamedFile> json_file, out_jsonl;
    std::optional<io::VideoWriter> overlay;
    if (!o.overlay.empty()) overlay.emplace(o.overlay, W, H, video.fps() > 0 ? video.fps() : 30.0);
    if (!o.json.empty() && o.json != "-") json_file.emplace(o.json);
    if (!o.out_dir.empty()) out_jsonl.emplace((fs::path(o.out_dir) / "track.jsonl").string());
    std::vector<std::string> pngs;
    std::map<int, VideoFrame> kept;  // for the overlay, as the tracker's frames (RLE only)
    std::set<int> ids;
    const int total = expected_frames(o.direction, o.start >= 0 ? o.start : frame, o.max_frames, n);
    int done = 0;
    const auto t0 = Clock::now();
    try {
      video.propagate(direction, o.start, o.max_frames, [&](const ConceptFrame& f) {
        nlohmann::json objects = nlohmann::json::array();
        VideoFrame vf{f.frame, W, H, {}};
        for (const ConceptObject& obj : f.objects) {
          ids.insert(obj.id);
          // inclusive pixel extents → continuous edges, as the tracker's box_xyxy
          const std::array<float, 4> xyxy = {obj.box_xywh[0] * W, obj.box_xywh[1] * H,
                                             (obj.box_xywh[0] + obj.box_xywh[2]) * W + 1,
                                             (obj.box_xywh[1] + obj.box_xywh[3]) * H + 1};
          objects.push_back({{"id", obj.id},
                             {"score", obj.score},
                             {"tracker_score", obj.tracker_score},
                             {"box_xywh", obj.box_xywh},
                             {"box_xyxy", xyxy},
                             {"mask", {{"size", {H, W}}, {"counts", obj.mask_rle}}}});
          vf.objects.push_back({obj.id, obj.score, xyxy, obj.mask_rle});
        }
        const std::string line = nlohmann::json{{"frame", f.frame}, {"objects", objects}}.dump() + "\n";
        if (o.json == "-") {
          std::fwrite(line.data(), 1, line.size(), stdout);
          std::fflush(stdout);
        }
        if (json_file) json_file->write(line);
        if (out_jsonl) out_jsonl->write(line);
        if (!o.out_dir.empty())
          for (const VideoObject& obj : vf.objects) {
            char name[64];
            std::snprintf(name, sizeof name, "frame_%05d_obj_%d.png", f.frame, obj.id);
            pngs.push_back((fs::path(o.out_dir) / name).string());
            write_mask_png(pngs.back(), decode_rle(obj, W, H), W, H);
          }
        if (!o.overlay.empty()) kept[f.frame] = vf;
        ++done;
        if (progress) {
          const double s = std::chrono::duration<double>(Clock::now() - t0).count();
          const double rate = done / std::max(s, 1e-9);
          std::fprintf(stderr, "\rframe %d/%d  %.1f frames/s  ETA %.0f s   ", done, total, rate,
                       std::max(0, total - done) / std::max(rate, 1e-9));
        }
      });
      if (progress) std::fprintf(stderr, "\n");
      if (overlay && !kept.empty()) write_overlay_video(*overlay, o.video, kept, true);
      if (json_file) json_file->commit();
      if (out_jsonl) out_jsonl->commit();
    } catch (...) {
      if (progress) std::fprintf(stderr, "\n");
      for (const std::string& p : pngs) fs::remove(p, ec);
      throw;
    }
    if (o.json.empty() && o.out_dir.empty() && o.overlay.empty())
      std::printf(
          "%s (%dx%d, %d frames): \"%s\" — %zu object%s over %d frame%s; add --json - to see the masks\n",
          o.video.c_str(), W, H, n, o.text.c_str(), ids.size(), ids.size() == 1 ? "" : "s", done,
          done == 1 ? "" : "s");
  } catch (const ApiError& e) {
    throw Error(static_cast<ErrorCode>(e.status()), e.what());
  }
  return 0;
}

CommandRegistrar reg(
    "track",
    "Track objects through a video from clicks, boxes or masks on any frames, or every instance of a text "
    "(--text)",
    [](CLI::App& cmd) -> CommandHandler {
      auto o = std::make_shared<TrackOptions>();
      o->cmd = &cmd;
      add_model_options(
          cmd, o->m,
          "Model with tracker weights: sam3.pt, a .sam3rt file or a Hugging Face sam3_video folder");
      cmd.add_option(
             "--video,-v", o->video,
             "A folder of .jpg/.png frames (ordered by the number in their names), one image, or a video "
             "file (MP4 etc., in builds with FFmpeg)")
          ->required();
      cmd.add_option(
          "--point,-p", o->points,
          "F:X,Y[:neg] — a click on frame F at pixel X,Y on the object (':neg': not on it). Repeat");
      cmd.add_option("--box,-b", o->boxes, "F:X0,Y0,X1,Y1 — a box around the object on frame F");
      cmd.add_option("--mask", o->masks,
                     "F:FILE.png — the object's mask on frame F (white = object, any size)");
      cmd.add_option(
          "--obj", o->objs,
          "Object id (an integer) of the prompts that follow it on the command line; before any --obj, "
          "prompts belong to object 1");
      cmd.add_option(
          "--direction", o->direction,
          "forward (default), backward, or both (forward from the start frame, then backward from the "
          "frame before it, as the official video predictor)");
      cmd.add_option("--start", o->start, "Start frame (default: the first prompted frame)");
      cmd.add_option("--max-frames", o->max_frames,
                     "Frames to track after the start frame, in each direction (default: to the end)");
      cmd.add_option(
          "--out,-o", o->out_dir,
          "Folder for frame_<F>_obj_<ID>.png masks (0/255) of every tracked frame and track.jsonl");
      cmd.add_option(
          "--json", o->json,
          "Write JSON Lines, one per frame in processing order, to FILE ('-' = stdout, streamed): "
          "{\"frame\", \"objects\": [{\"id\", \"score\", \"box_xyxy\", \"mask\": {\"size\", \"counts\"}}]}");
      cmd.add_option("--overlay", o->overlay,
                     "Write an MP4 of the tracked frames with the masks drawn over them (needs FFmpeg; 30 "
                     "fps for a folder)");
      cmd.add_option(
          "--text,-t", o->text,
          "Concept tracking: find every instance of this noun phrase on the prompt frame and track "
          "them all, picking up new ones as they appear ('visual' = the --box alone). Object ids are "
          "given by sam3rt (0, 1, ...)");
      cmd.add_option("--frame", o->prompt_frame,
                     "With --text: the frame the text is given on (default: the --box's frame, else 0)");
      cmd.add_option("--option", o->concept_options,
                     "With --text: NAME=VALUE, a threshold of the video model by its official name, e.g. "
                     "new_det_thresh=0.6, score_threshold_detection=0.4, hotstart_delay=0, "
                     "recondition_every_nth_frame=0, fill_hole_area=0 (docs/video.md lists all). Repeat");
      cmd.add_flag(
          "--no-memory-selection", o->no_memory_selection,
          "Use the most recent frames as memory (SAM 2) instead of choosing them by predicted quality");
      cmd.footer(
          "Prompts on the same frame for the same object are combined (points, plus at most one box), a mask "
          "alone. New objects can only be prompted before tracking, so give every object's prompts here.\n"
          "score = sigmoid(object score logit): the object is judged visible above 0.5. Masks are COCO RLE.\n"
          "Exit codes: 0 success, 2 usage error (bad prompt, prompt past the last frame, unknown direction, "
          "empty folder), 1 runtime error (missing or corrupt file, model without tracker weights).\n"
          "Concept tracking (--text): one text and/or one exemplar box (--box F:X0,Y0,X1,Y1[:neg]) on one "
          "frame; "
          "every instance found is tracked, new ones are picked up, duplicates dropped. JSON objects then "
          "carry "
          "\"score\" = detection probability at birth, \"tracker_score\", \"box_xywh\" (normalised) and "
          "\"box_xyxy\" (pixels). With the default hotstart a frame is written up to 14 frames after it was "
          "computed. A text that matches nothing gives frames without objects.\n"
          "Example: sam3rt track -m sam3.pt --video frames/ --point 0:210,350 --obj 2 --box 0:40,60,120,200 "
          "--direction both --json - --out masks/\n"
          "Example: sam3rt track -m sam3.pt --video clip.mp4 --text person --direction both --overlay "
          "out.mp4");
      return [o] { return run_track(*o); };
    });

}  // namespace

}  // namespace sam3rt::cli
