// sam3rt C++ API: RAII classes over the C API (sam3rt.h). Failures throw sam3rt::ApiError,
// which carries the C status and the one-line message.
//
//   auto model = sam3rt::Model::load("sam3.pt");
//   sam3rt::ImageSession session(model);
//   session.set_image("photo.jpg");                       // image encoder runs once
//   sam3rt::Result r = session.predict(sam3rt::Prompt::from_text("red car"));
//   for (const sam3rt::Instance& inst : r.instances) { inst.score; inst.box_xyxy; inst.mask; }
//
// Threads and lifetime as in sam3rt.h: share a Model freely (it is reference-counted), use one
// ImageSession per thread. A Result owns copies of its masks and outlives the session.
//
// Video tracking (VideoSession): prompts on any frames, then propagate through the video:
//
//   sam3rt::VideoSession video(model, "frames/");                 // a folder of frames or a video file
//   video.add_points(0, /*obj_id=*/1, {{210, 350, 1}});
//   video.propagate(sam3rt::Direction::kBoth, -1, -1, [](const sam3rt::VideoFrame& f) {
//     for (const sam3rt::VideoObject& o : f.objects) { o.id; o.score; o.box_xyxy; o.mask_rle; }
//   });
//
// Concepts in video (ConceptSession): every instance of a noun phrase, found and tracked:
//
//   sam3rt::ConceptSession cv(model, "video.mp4");
//   cv.add_prompt(0, std::string("person"));
//   cv.propagate(sam3rt::Direction::kBoth, -1, -1, [](const sam3rt::ConceptFrame& f) { ... });
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sam3rt/sam3rt.h"

namespace sam3rt {

class ApiError : public std::runtime_error {
 public:
  ApiError(sam3rt_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  sam3rt_status status() const { return status_; }

 private:
  sam3rt_status status_;
};

namespace detail {
inline void check(sam3rt_status status) {
  if (status != SAM3RT_OK) throw ApiError(status, sam3rt_last_error());
}
}  // namespace detail

inline std::string version() { return sam3rt_version(); }

struct DeviceDescription {
  std::string id, name;
  uint64_t memory_bytes = 0;
};

inline std::vector<DeviceDescription> devices() {
  size_t n = 0;
  detail::check(sam3rt_list_devices(nullptr, 0, &n));
  std::vector<sam3rt_device_info> raw(n);
  detail::check(sam3rt_list_devices(raw.data(), raw.size(), &n));
  std::vector<DeviceDescription> out;
  for (size_t i = 0; i < n && i < raw.size(); ++i)
    out.push_back({raw[i].id, raw[i].name, raw[i].memory_bytes});
  return out;
}

// "auto" → "cpu" / "cuda:0"; throws when the device is not available.
inline std::string choose_device(const std::string& spec) {
  char id[64];
  detail::check(sam3rt_select_device(spec.c_str(), id, sizeof(id)));
  return id;
}

// "fp32" (default), "tf32" or "bf16" (sam3rt_set_precision), process-wide.
inline void set_precision(const std::string& precision) { detail::check(sam3rt_set_precision(precision.c_str())); }

// Per-op wall time, process-wide (sam3rt_set_op_profiling): turn on, run, read the rows.
inline void profile_ops(bool on) { sam3rt_set_op_profiling(on ? 1 : 0); }
inline std::vector<sam3rt_op_profile_row> op_timings() {
  std::vector<sam3rt_op_profile_row> rows(sam3rt_op_profile(nullptr, 0));
  rows.resize(sam3rt_op_profile(rows.data(), rows.size()));
  return rows;
}

struct ModelOptions {
  std::string device = "auto";
  std::string config_path;     // for a bare sam3.pt (empty = released SAM 3)
  std::string tokenizer_path;  // for a bare sam3.pt
  int n_threads = 0;           // 0 = all cores
};

class Model {
 public:
  static Model load(const std::string& path, const ModelOptions& options = {}) {
    sam3rt_model_params p = sam3rt_model_default_params();
    p.device = options.device.c_str();
    p.config_path = options.config_path.empty() ? nullptr : options.config_path.c_str();
    p.tokenizer_path = options.tokenizer_path.empty() ? nullptr : options.tokenizer_path.c_str();
    p.n_threads = options.n_threads;
    sam3rt_model* m = nullptr;
    detail::check(sam3rt_model_load(path.c_str(), &p, &m));
    return Model(std::shared_ptr<sam3rt_model>(m, sam3rt_model_free));
  }
  std::string device() const { return sam3rt_model_device(handle_.get()); }
  int image_size() const { return sam3rt_model_image_size(handle_.get()); }
  // Whether click prompts work (the model holds tracker weights), and the side of their
  // low-resolution logits (288 for the released model).
  bool has_tracker() const { return sam3rt_model_has_tracker(handle_.get()) != 0; }
  int mask_input_size() const { return sam3rt_model_mask_input_size(handle_.get()); }
  sam3rt_model* get() const { return handle_.get(); }

 private:
  explicit Model(std::shared_ptr<sam3rt_model> h) : handle_(std::move(h)) {}
  std::shared_ptr<sam3rt_model> handle_;
  friend class ImageSession;
  friend class VideoSession;
  friend class ConceptSession;
};

struct Box {
  std::array<float, 4> xyxy{};  // pixels of the original image
  bool positive = true;
};

struct Prompt {
  std::optional<std::string> text;  // none: the boxes alone are the prompt
  std::vector<Box> boxes;
  float threshold = 0.5f;

  static Prompt from_text(std::string t, float threshold = 0.5f) {
    Prompt p;
    p.text = std::move(t);
    p.threshold = threshold;
    return p;
  }
};

struct Instance {
  int query = 0;  // decoder query index
  float score = 0;
  std::array<float, 4> box_xyxy{};
  std::vector<uint8_t> mask;  // height × width, row-major, 0/1
};

struct Timing {
  std::string stage;
  double ms = 0;
};

struct Result {
  int width = 0, height = 0;
  float presence = 0;
  std::vector<Instance> instances;  // score descending
  std::vector<Timing> timings;
};

// Interactive segmentation of one object: points (label 1 on the object, 0 not on it), an
// optional box, an optional previous result's low-resolution logits.
struct Point {
  float x = 0, y = 0;  // pixels of the original image
  int label = 1;
};

struct ClickPrompt {
  std::vector<Point> points;
  std::optional<std::array<float, 4>> box;  // x0, y0, x1, y1 pixels
  std::vector<float> mask_input;            // empty, or mask_input_size² logits (ClickResult::low_res_logits[k])
  bool multimask = true;                    // 3 candidates, or 1
};

struct ClickCandidate {
  float iou = 0;                     // predicted IoU
  std::vector<uint8_t> mask;         // height × width, row-major, 0/1
  std::vector<float> low_res_logits; // low_res_size², clamped to ±32: feed back as mask_input
};

struct ClickResult {
  int width = 0, height = 0, low_res_size = 0;
  float object_score_logit = 0;
  std::vector<ClickCandidate> candidates;  // decoder order: 3 with multimask, else 1
  std::vector<Timing> timings;
};

class ImageSession {
 public:
  explicit ImageSession(const Model& model, bool apply_exif_orientation = false) : model_(model.handle_) {
    sam3rt_session_params p = sam3rt_session_default_params();
    p.apply_exif_orientation = apply_exif_orientation ? 1 : 0;
    sam3rt_session* s = nullptr;
    detail::check(sam3rt_session_create(model_.get(), &p, &s));
    handle_.reset(s);
  }

  void set_image(const std::string& path) {
    detail::check(sam3rt_session_set_image_file(handle_.get(), path.c_str()));
  }
  void set_image(const uint8_t* rgb, int width, int height, size_t stride = 0) {
    detail::check(sam3rt_session_set_image_rgb(handle_.get(), rgb, width, height, stride));
  }
  int width() const { return image_info().width; }
  int height() const { return image_info().height; }
  const uint8_t* rgb() const { return image_info().rgb; }
  std::vector<Timing> image_timings() const {
    const sam3rt_timing* t = nullptr;
    size_t n = sam3rt_session_image_timings(handle_.get(), &t);
    std::vector<Timing> out;
    for (size_t i = 0; i < n; ++i) out.push_back({t[i].stage, t[i].ms});
    return out;
  }
  int backbone_runs() const { return sam3rt_session_backbone_runs(handle_.get()); }
  // Writes the intermediates of the next set_image + predict to a safetensors file.
  void set_dump_path(const std::string& path) {
    detail::check(sam3rt_session_set_dump_path(handle_.get(), path.empty() ? nullptr : path.c_str()));
  }

  Result predict(const Prompt& prompt) {
    std::vector<sam3rt_box> boxes;
    for (const Box& b : prompt.boxes)
      boxes.push_back({b.xyxy[0], b.xyxy[1], b.xyxy[2], b.xyxy[3], b.positive ? 1 : 0});
    sam3rt_prompt p = sam3rt_prompt_default();
    p.text = prompt.text ? prompt.text->c_str() : nullptr;
    p.boxes = boxes.data();
    p.n_boxes = boxes.size();
    p.threshold = prompt.threshold;
    sam3rt_result* raw = nullptr;
    detail::check(sam3rt_session_predict(handle_.get(), &p, &raw));
    std::unique_ptr<sam3rt_result, void (*)(sam3rt_result*)> guard(raw, sam3rt_result_free);
    Result r;
    r.width = sam3rt_result_width(raw);
    r.height = sam3rt_result_height(raw);
    r.presence = sam3rt_result_presence(raw);
    const size_t n = sam3rt_result_count(raw);
    const size_t pixels = static_cast<size_t>(r.width) * r.height;
    for (size_t i = 0; i < n; ++i) {
      Instance inst;
      inst.query = sam3rt_result_query(raw, i);
      inst.score = sam3rt_result_score(raw, i);
      sam3rt_result_box(raw, i, inst.box_xyxy.data());
      const uint8_t* m = sam3rt_result_mask(raw, i);
      inst.mask.assign(m, m + pixels);
      r.instances.push_back(std::move(inst));
    }
    const sam3rt_timing* t = nullptr;
    const size_t nt = sam3rt_result_timings(raw, &t);
    for (size_t i = 0; i < nt; ++i) r.timings.push_back({t[i].stage, t[i].ms});
    return r;
  }

  ClickResult click(const ClickPrompt& prompt) {
    std::vector<sam3rt_point> points;
    for (const Point& pt : prompt.points) points.push_back({pt.x, pt.y, pt.label});
    sam3rt_click_prompt p = sam3rt_click_prompt_default();
    p.points = points.data();
    p.n_points = points.size();
    p.box = prompt.box ? prompt.box->data() : nullptr;
    if (!prompt.mask_input.empty()) {
      p.mask_input = prompt.mask_input.data();
      p.mask_input_size = 0;
      while (static_cast<size_t>(p.mask_input_size + 1) * (p.mask_input_size + 1) <= prompt.mask_input.size())
        ++p.mask_input_size;  // the side of a square input; a non-square length is refused below
      if (static_cast<size_t>(p.mask_input_size) * p.mask_input_size != prompt.mask_input.size())
        p.mask_input_size = -1;
    }
    p.multimask = prompt.multimask ? 1 : 0;
    sam3rt_click_result* raw = nullptr;
    detail::check(sam3rt_session_click(handle_.get(), &p, &raw));
    std::unique_ptr<sam3rt_click_result, void (*)(sam3rt_click_result*)> guard(raw, sam3rt_click_result_free);
    ClickResult r;
    r.width = sam3rt_click_result_width(raw);
    r.height = sam3rt_click_result_height(raw);
    r.object_score_logit = sam3rt_click_result_object_score(raw);
    const size_t pixels = static_cast<size_t>(r.width) * r.height;
    for (size_t i = 0; i < sam3rt_click_result_count(raw); ++i) {
      ClickCandidate c;
      c.iou = sam3rt_click_result_iou(raw, i);
      const uint8_t* m = sam3rt_click_result_mask(raw, i);
      c.mask.assign(m, m + pixels);
      const float* low = sam3rt_click_result_low_res_logits(raw, i, &r.low_res_size);
      c.low_res_logits.assign(low, low + static_cast<size_t>(r.low_res_size) * r.low_res_size);
      r.candidates.push_back(std::move(c));
    }
    const sam3rt_timing* t = nullptr;
    const size_t nt = sam3rt_click_result_timings(raw, &t);
    for (size_t i = 0; i < nt; ++i) r.timings.push_back({t[i].stage, t[i].ms});
    return r;
  }

  sam3rt_session* get() const { return handle_.get(); }

 private:
  struct ImageInfo {
    int width = 0, height = 0;
    const uint8_t* rgb = nullptr;
  };
  ImageInfo image_info() const {
    ImageInfo info;
    detail::check(sam3rt_session_image(handle_.get(), &info.width, &info.height, &info.rgb));
    return info;
  }

  std::shared_ptr<sam3rt_model> model_;  // keeps the model alive as long as the session
  std::unique_ptr<sam3rt_session, void (*)(sam3rt_session*)> handle_{nullptr, sam3rt_session_free};
};

// ---- video tracking (sam3rt_video_session_*) ----------------------------------------------

enum class Direction { kForward, kBackward, kBoth };

struct VideoObject {
  int id = 0;
  float score = 0;                  // σ(object score logit); present when > 0.5
  std::array<float, 4> box_xyxy{};  // tight box of the mask (x1, y1 exclusive); zeros when empty
  std::string mask_rle;             // COCO RLE counts, size height × width
};

struct VideoFrame {
  int frame = 0, width = 0, height = 0;
  std::vector<VideoObject> objects;  // in the order the objects were first prompted
};

struct VideoOptions {
  bool use_memory_selection = true;
};

class VideoSession {
 public:
  VideoSession(const Model& model, const std::string& path, const VideoOptions& options = {})
      : model_(model.handle_) {
    sam3rt_video_params p = sam3rt_video_default_params();
    p.use_memory_selection = options.use_memory_selection ? 1 : 0;
    sam3rt_video_session* s = nullptr;
    detail::check(sam3rt_video_session_open(model_.get(), path.c_str(), &p, &s));
    handle_.reset(s);
    detail::check(sam3rt_video_session_info(s, &width_, &height_, &frame_count_, &fps_));
  }
  int width() const { return width_; }
  int height() const { return height_; }
  int frame_count() const { return frame_count_; }
  double fps() const { return fps_; }  // 0 when unknown (a folder of frames)

  void add_points(int frame, int obj_id, const std::vector<Point>& points) {
    const std::vector<sam3rt_point> p = raw_points(points);
    detail::check(sam3rt_video_session_add_points(handle_.get(), frame, obj_id, p.data(), p.size()));
  }
  void add_box(int frame, int obj_id, const std::array<float, 4>& box_xyxy,
               const std::vector<Point>& points = {}) {
    const std::vector<sam3rt_point> p = raw_points(points);
    detail::check(
        sam3rt_video_session_add_box(handle_.get(), frame, obj_id, box_xyxy.data(), p.data(), p.size()));
  }
  // mask: row-major height × width, non-zero = object; any size.
  void add_mask(int frame, int obj_id, const uint8_t* mask, int width, int height) {
    detail::check(sam3rt_video_session_add_mask(handle_.get(), frame, obj_id, mask, width, height));
  }
  void remove_object(int obj_id) { detail::check(sam3rt_video_session_remove_object(handle_.get(), obj_id)); }
  void reset() { detail::check(sam3rt_video_session_reset(handle_.get())); }

  // start_frame -1: the first prompted frame; max_frames -1: all. on_frame runs once per frame in
  // processing order; an exception it throws stops the propagation and is rethrown here.
  void propagate(Direction direction, int start_frame, int max_frames,
                 const std::function<void(const VideoFrame&)>& on_frame) {
    struct Call {
      const std::function<void(const VideoFrame&)>* fn;
      std::exception_ptr error;
    } call{&on_frame, nullptr};
    const auto trampoline = [](const sam3rt_video_frame* raw, void* user) -> int {
      Call* c = static_cast<Call*>(user);
      try {
        VideoFrame f;
        f.frame = raw->frame;
        f.width = raw->width;
        f.height = raw->height;
        for (size_t i = 0; i < raw->n_objects; ++i) {
          const sam3rt_video_object& o = raw->objects[i];
          f.objects.push_back(
              {o.id, o.score, {o.box_xyxy[0], o.box_xyxy[1], o.box_xyxy[2], o.box_xyxy[3]}, o.mask_rle});
        }
        (*c->fn)(f);
        return 0;
      } catch (...) {
        c->error = std::current_exception();  // no exception may cross the C interface
        return 1;
      }
    };
    const sam3rt_propagate_direction d = direction == Direction::kForward    ? SAM3RT_PROPAGATE_FORWARD
                                         : direction == Direction::kBackward ? SAM3RT_PROPAGATE_BACKWARD
                                                                             : SAM3RT_PROPAGATE_BOTH;
    detail::check(
        sam3rt_video_session_propagate(handle_.get(), d, start_frame, max_frames, trampoline, &call));
    if (call.error) std::rethrow_exception(call.error);
  }

  sam3rt_video_session* get() const { return handle_.get(); }

 private:
  static std::vector<sam3rt_point> raw_points(const std::vector<Point>& points) {
    std::vector<sam3rt_point> out;
    for (const Point& pt : points) out.push_back({pt.x, pt.y, pt.label});
    return out;
  }

  std::shared_ptr<sam3rt_model> model_;  // keeps the model alive as long as the session
  std::unique_ptr<sam3rt_video_session, void (*)(sam3rt_video_session*)> handle_{nullptr,
                                                                                 sam3rt_video_session_close};
  int width_ = 0, height_ = 0, frame_count_ = 0;
  double fps_ = 0;
};

// ---- concept tracking in video (sam3rt_concept_session_*) -------------------------------------

struct ConceptObject {
  int id = 0;
  float score = 0;                  // detection probability at birth (1 for clicked objects)
  float tracker_score = 0;          // σ(tracker object score) on this frame
  std::array<float, 4> box_xywh{};  // normalised by the frame size
  std::string mask_rle;             // COCO RLE counts, size height × width
};

struct ConceptFrame {
  int frame = 0, width = 0, height = 0;
  std::vector<ConceptObject> objects;  // ids ascending, masks do not overlap
};

// Thresholds by their official names ({"new_det_thresh", 0.6}, ...); empty = the official defaults.
using ConceptOptions = std::vector<std::pair<std::string, double>>;

class ConceptSession {
 public:
  ConceptSession(const Model& model, const std::string& path, const ConceptOptions& options = {})
      : model_(model.handle_) {
    std::vector<sam3rt_concept_option> raw;
    for (const auto& [name, value] : options) raw.push_back({name.c_str(), value});
    sam3rt_concept_session* s = nullptr;
    detail::check(sam3rt_concept_session_open(model_.get(), path.c_str(), raw.data(), raw.size(), &s));
    handle_.reset(s);
    detail::check(sam3rt_concept_session_info(s, &width_, &height_, &frame_count_, &fps_));
  }
  int width() const { return width_; }
  int height() const { return height_; }
  int frame_count() const { return frame_count_; }
  double fps() const { return fps_; }

  // Text and/or one exemplar box (x0, y0, x1, y1 pixels): restarts the session; → the frame.
  ConceptFrame add_prompt(int frame, const std::optional<std::string>& text,
                          const std::optional<std::array<float, 4>>& box_xyxy = std::nullopt,
                          bool positive = true) {
    ConceptFrame out;
    Call call{nullptr, &out, nullptr};
    detail::check(sam3rt_concept_session_add_prompt(handle_.get(), frame, text ? text->c_str() : nullptr,
                                                    box_xyxy ? box_xyxy->data() : nullptr, positive ? 1 : 0,
                                                    trampoline, &call));
    if (call.error) std::rethrow_exception(call.error);
    return out;
  }
  // Clicks (pixels) on one object: refine an existing id or add a new one; → the frame.
  ConceptFrame add_points(int frame, int obj_id, const std::vector<Point>& points) {
    std::vector<sam3rt_point> p;
    for (const Point& pt : points) p.push_back({pt.x, pt.y, pt.label});
    ConceptFrame out;
    Call call{nullptr, &out, nullptr};
    detail::check(sam3rt_concept_session_add_points(handle_.get(), frame, obj_id, p.data(), p.size(),
                                                    trampoline, &call));
    if (call.error) std::rethrow_exception(call.error);
    return out;
  }
  void remove_object(int obj_id) {
    detail::check(sam3rt_concept_session_remove_object(handle_.get(), obj_id));
  }
  void reset() { detail::check(sam3rt_concept_session_reset(handle_.get())); }

  // start_frame -1: the first frame with results; max_frames -1: all. on_frame runs once per output
  // frame; an exception it throws stops the propagation and is rethrown here.
  void propagate(Direction direction, int start_frame, int max_frames,
                 const std::function<void(const ConceptFrame&)>& on_frame) {
    Call call{&on_frame, nullptr, nullptr};
    const sam3rt_propagate_direction d = direction == Direction::kForward    ? SAM3RT_PROPAGATE_FORWARD
                                         : direction == Direction::kBackward ? SAM3RT_PROPAGATE_BACKWARD
                                                                             : SAM3RT_PROPAGATE_BOTH;
    detail::check(
        sam3rt_concept_session_propagate(handle_.get(), d, start_frame, max_frames, trampoline, &call));
    if (call.error) std::rethrow_exception(call.error);
  }

  sam3rt_concept_session* get() const { return handle_.get(); }

 private:
  struct Call {
    const std::function<void(const ConceptFrame&)>* fn;
    ConceptFrame* single;
    std::exception_ptr error;
  };
  static int trampoline(const sam3rt_concept_frame* raw, void* user) {
    Call* c = static_cast<Call*>(user);
    try {
      ConceptFrame f;
      f.frame = raw->frame;
      f.width = raw->width;
      f.height = raw->height;
      for (size_t i = 0; i < raw->n_objects; ++i) {
        const sam3rt_concept_object& o = raw->objects[i];
        f.objects.push_back({o.id,
                             o.score,
                             o.tracker_score,
                             {o.box_xywh[0], o.box_xywh[1], o.box_xywh[2], o.box_xywh[3]},
                             o.mask_rle});
      }
      if (c->single) *c->single = std::move(f);
      if (c->fn) (*c->fn)(c->single ? *c->single : f);
      return 0;
    } catch (...) {
      c->error = std::current_exception();  // no exception may cross the C interface
      return 1;
    }
  }

  std::shared_ptr<sam3rt_model> model_;  // keeps the model alive as long as the session
  std::unique_ptr<sam3rt_concept_session, void (*)(sam3rt_concept_session*)> handle_{
      nullptr, sam3rt_concept_session_close};
  int width_ = 0, height_ = 0, frame_count_ = 0;
  double fps_ = 0;
};

}  // namespace sam3rt
