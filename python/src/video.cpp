// sam3rt.VideoSession: prompts on frames, then propagate() as a Python iterator of per-frame
// results.
//
// The engine's propagate is a callback loop; a Python iterator needs the opposite control flow. So
// propagate() runs the engine on a worker thread that never touches Python, handing frames over a
// queue two deep (memory stays bounded however long the video, and tracking runs ahead of the
// consumer by at most two frames); __next__ waits for the next frame with the GIL released.
// Closing the iterator early (break, close(), garbage collection) stops the engine at the next
// frame. While an iterator runs, the session refuses other calls instead of racing it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "binding.h"
#include "pipeline/rle.h"

namespace sam3rt::python {

namespace {

struct VideoState {
  VideoState(const Model& model, const std::string& path, const VideoOptions& o) : video(model, path, o) {}
  VideoSession video;
  std::atomic<bool> busy{false};
  py::object model;
};

// Claims the session for one call; refuses when another call or an iterator holds it.
class Claim {
 public:
  explicit Claim(VideoState& s) : s_(s) {
    bool expected = false;
    if (!s_.busy.compare_exchange_strong(expected, true))
      // RuntimeError: the call itself is fine, only its timing is not.
      throw std::runtime_error(
          "the video session is busy: a propagate() iterator is running; exhaust it or call its "
          "close() first");
  }
  ~Claim() {
    if (owned_) s_.busy = false;
  }
  void release_to_worker() { owned_ = false; }

 private:
  VideoState& s_;
  bool owned_ = true;
};

// One frame's objects, in the order they were first prompted.
struct PyVideoFrame {
  int frame = 0, width = 0, height = 0;
  py::array_t<int32_t> ids;
  py::array_t<float> scores, boxes;
  std::vector<std::string> counts;

  py::list rle() const {
    py::list out;
    for (const std::string& c : counts) out.append(coco_rle(c, height, width));
    return out;
  }
  py::array_t<bool> masks() const {
    std::vector<std::vector<uint8_t>> decoded;
    for (const std::string& c : counts)
      decoded.push_back(pipeline::rle_decode({height, width, pipeline::rle_from_string(c)}));
    std::vector<const uint8_t*> ptrs;
    for (const auto& d : decoded) ptrs.push_back(d.data());
    return mask_stack(ptrs, height, width);
  }
  // The JSON line `sam3rt track --json` writes for this frame.
  py::dict to_dict() const {
    py::list objects;
    for (size_t i = 0; i < counts.size(); ++i) {
      const auto k = static_cast<py::ssize_t>(i);
      py::dict o;
      o["id"] = ids.at(k);
      o["score"] = scores.at(k);
      o["box_xyxy"] =
          py::list(py::make_tuple(boxes.at(k, 0), boxes.at(k, 1), boxes.at(k, 2), boxes.at(k, 3)));
      o["mask"] = coco_rle(counts[i], height, width);
      objects.append(o);
    }
    py::dict d;
    d["frame"] = frame;
    d["objects"] = objects;
    return d;
  }
};

PyVideoFrame to_python(const VideoFrame& f) {
  PyVideoFrame out;
  out.frame = f.frame;
  out.width = f.width;
  out.height = f.height;
  const auto n = static_cast<py::ssize_t>(f.objects.size());
  out.ids = py::array_t<int32_t>(n);
  out.scores = py::array_t<float>(n);
  out.boxes = py::array_t<float>({n, py::ssize_t{4}});
  for (py::ssize_t i = 0; i < n; ++i) {
    const VideoObject& o = f.objects[static_cast<size_t>(i)];
    out.ids.mutable_at(i) = o.id;
    out.scores.mutable_at(i) = o.score;
    std::memcpy(out.boxes.mutable_data(i, 0), o.box_xyxy.data(), 4 * sizeof(float));
    out.counts.push_back(o.mask_rle);
  }
  return out;
}

struct Stopped {};  // thrown from the frame callback to stop the engine when the iterator closes

class FrameIterator {
 public:
  FrameIterator(std::shared_ptr<VideoState> state, Direction direction, int start, int max_frames)
      : state_(std::move(state)) {
    Claim claim(*state_);
    claim.release_to_worker();  // the worker clears busy when it ends
    worker_ = std::thread([this, direction, start, max_frames] { run(direction, start, max_frames); });
  }
  ~FrameIterator() { stop(); }

  PyVideoFrame next() {
    for (;;) {
      std::optional<VideoFrame> f;
      bool done = false;
      {
        py::gil_scoped_release nogil;
        std::unique_lock<std::mutex> lock(mu_);
        // Wakes up now and then so that Ctrl-C reaches a long wait.
        if (cv_.wait_for(lock, std::chrono::milliseconds(200),
                         [&] { return !queue_.empty() || finished_; })) {
          if (!queue_.empty()) {
            f = std::move(queue_.front());
            queue_.pop_front();
            cv_.notify_all();
          } else {
            done = true;
          }
        }
      }
      if (f) return to_python(*f);
      if (done) break;
      if (PyErr_CheckSignals() != 0) {
        stop();
        throw py::error_already_set();
      }
    }
    stop();  // joins the finished worker
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
    throw py::stop_iteration();
  }

  // Stops the engine at its next frame and waits for the worker; idempotent.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) {
      if (PyGILState_Check()) {
        py::gil_scoped_release nogil;
        worker_.join();
      } else {
        worker_.join();
      }
    }
  }

 private:
  void run(Direction direction, int start, int max_frames) {
    try {
      state_->video.propagate(direction, start, max_frames, [this](const VideoFrame& f) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return queue_.size() < kDepth || stopping_; });
        if (stopping_) throw Stopped{};
        queue_.push_back(f);
        cv_.notify_all();
      });
    } catch (const Stopped&) {
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    state_->busy = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
    }
    cv_.notify_all();
  }

  static constexpr size_t kDepth = 2;
  std::shared_ptr<VideoState> state_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<VideoFrame> queue_;
  bool finished_ = false, stopping_ = false;
  std::exception_ptr error_;
};

Direction direction_arg(const std::string& d) {
  if (d == "forward") return Direction::kForward;
  if (d == "backward") return Direction::kBackward;
  if (d == "both") return Direction::kBoth;
  invalid("direction must be 'forward', 'backward' or 'both', got '" + d + "'");
}

// A 2-D mask of any numeric or bool dtype, non-zero = object, as packed 0/1 bytes.
std::vector<uint8_t> mask_arg(const py::handle& obj, int* width, int* height) {
  py::array a = py::module_::import("numpy").attr("asarray")(obj);
  if (a.ndim() != 2)
    invalid("mask must be a 2-D array (H, W), got " + std::to_string(a.ndim()) + " dimensions");
  const char kind = a.dtype().kind();
  if (kind != 'b' && kind != 'u' && kind != 'i' && kind != 'f')
    invalid("mask must hold booleans or numbers, got dtype " + std::string(py::str(py::handle(a.dtype()))));
  if (a.shape(0) <= 0 || a.shape(1) <= 0) invalid("mask is empty");
  py::array_t<uint8_t, py::array::c_style> packed(a.attr("__ne__")(0).attr("astype")("uint8"));
  *height = static_cast<int>(a.shape(0));
  *width = static_cast<int>(a.shape(1));
  return std::vector<uint8_t>(packed.data(), packed.data() + packed.size());
}

template <class F>
void locked_call(VideoState& s, F&& fn) {
  Claim claim(s);
  py::gil_scoped_release nogil;
  fn();
}

std::shared_ptr<VideoState> open_video(const py::object& model, const py::object& path,
                                       bool memory_selection) {
  const std::string p = fspath(path, "path");
  const Model& m = model_of(model);
  VideoOptions o;
  o.use_memory_selection = memory_selection;
  std::shared_ptr<VideoState> s;
  {
    py::gil_scoped_release nogil;
    s = std::make_shared<VideoState>(m, p, o);
  }
  s->model = model;
  return s;
}

}  // namespace

void bind_video(py::module_& m) {
  py::class_<PyVideoFrame>(m, "VideoFrame", R"doc(
The tracked objects on one frame, in the order they were first prompted.

frame: index in the video; ids: int32 (N,); scores: float32 (N,) = sigmoid(object score logit),
the object is judged visible when > 0.5; boxes: float32 (N, 4) tight xyxy boxes of the masks
(x1, y1 exclusive; zeros for an empty mask); rle: COCO RLE dicts; masks: bool (N, H, W),
decoded on each access.
)doc")
      .def_readonly("frame", &PyVideoFrame::frame)
      .def_readonly("width", &PyVideoFrame::width)
      .def_readonly("height", &PyVideoFrame::height)
      .def_readonly("ids", &PyVideoFrame::ids)
      .def_readonly("scores", &PyVideoFrame::scores)
      .def_readonly("boxes", &PyVideoFrame::boxes)
      .def_property_readonly("rle", &PyVideoFrame::rle)
      .def_property_readonly("masks", &PyVideoFrame::masks)
      .def("to_dict", &PyVideoFrame::to_dict,
           "{'frame', 'objects': [{'id', 'score', 'box_xyxy', 'mask'}]}: the line `sam3rt track --json` "
           "writes.")
      .def("__len__", [](const PyVideoFrame& f) { return f.counts.size(); })
      .def("__repr__", [](const PyVideoFrame& f) {
        return "<sam3rt.VideoFrame " + std::to_string(f.frame) + ": " + std::to_string(f.counts.size()) +
               " objects>";
      });

  py::class_<FrameIterator>(
      m, "FrameIterator",
      "Per-frame results of VideoSession.propagate(), computed as you iterate. close() (or "
      "leaving a `with` block, or break + garbage collection) stops the tracking.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &FrameIterator::next)
      .def("close", &FrameIterator::stop)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](FrameIterator& it, const py::args&) { it.stop(); });

  py::class_<VideoState, std::shared_ptr<VideoState>>(m, "VideoSession", R"doc(
Tracking objects through a video: prompts (clicks, boxes, masks) on any frames, then propagate().

    video = model.video("frames/")            # a folder of .jpg/.png frames, one image, or a video file
    video.add_points(0, obj_id=1, points=[[210, 350]])
    video.add_box(0, obj_id=2, box=[40, 60, 120, 200])
    for f in video.propagate("both"):
        f.frame, f.ids, f.scores, f.boxes, f.rle

Needs a model with tracker weights. New objects are accepted until the first propagate (or a reset).
)doc")
      .def(py::init(&open_video), py::arg("model"), py::arg("path"), py::arg("use_memory_selection") = true)
      .def_property_readonly("width", [](const VideoState& s) { return s.video.width(); })
      .def_property_readonly("height", [](const VideoState& s) { return s.video.height(); })
      .def_property_readonly("frame_count", [](const VideoState& s) { return s.video.frame_count(); })
      .def_property_readonly(
          "fps", [](const VideoState& s) { return s.video.fps(); }, "0 when unknown (a folder).")
      .def_property_readonly("model", [](const VideoState& s) { return s.model; })
      .def(
          "add_points",
          [](VideoState& s, int frame, int obj_id, const py::object& points, const py::object& labels) {
            const std::vector<Point> p = click_points(points, labels);
            locked_call(s, [&] { s.video.add_points(frame, obj_id, p); });
          },
          py::arg("frame"), py::arg("obj_id"), py::arg("points"), py::arg("labels") = py::none(),
          "Clicks (N, 2) on object obj_id in a frame; labels (N,): 1 on the object (default), 0 not on it. "
          "Replaces the object's earlier prompt on that frame.")
      .def(
          "add_box",
          [](VideoState& s, int frame, int obj_id, const py::object& box, const py::object& points,
             const py::object& labels) {
            const auto b = boxes_arg(box, "box");
            if (b.size() != 1) invalid("box must be one box (x0, y0, x1, y1)");
            const std::vector<Point> p = click_points(points, labels);
            locked_call(s, [&] { s.video.add_box(frame, obj_id, b[0], p); });
          },
          py::arg("frame"), py::arg("obj_id"), py::arg("box"), py::arg("points") = py::none(),
          py::arg("labels") = py::none(),
          "A box (x0, y0, x1, y1) around object obj_id, optionally refined by clicks.")
      .def(
          "add_mask",
          [](VideoState& s, int frame, int obj_id, const py::object& mask) {
            int w = 0, h = 0;
            const std::vector<uint8_t> packed = mask_arg(mask, &w, &h);
            locked_call(s, [&] { s.video.add_mask(frame, obj_id, packed.data(), w, h); });
          },
          py::arg("frame"), py::arg("obj_id"), py::arg("mask"),
          "A mask (H, W) of object obj_id, non-zero = object, any size (resized to the frames).")
      .def(
          "remove_object",
          [](VideoState& s, int obj_id) { locked_call(s, [&] { s.video.remove_object(obj_id); }); },
          py::arg("obj_id"))
      .def(
          "reset", [](VideoState& s) { locked_call(s, [&] { s.video.reset(); }); },
          "Forgets every object, prompt and tracking result.")
      .def(
          "propagate",
          [](const std::shared_ptr<VideoState>& s, const std::string& direction, const py::object& start,
             const py::object& max_frames) {
            const Direction d = direction_arg(direction);
            const int st = start.is_none() ? -1 : start.cast<int>();
            const int mf = max_frames.is_none() ? -1 : max_frames.cast<int>();
            if (!start.is_none() && st < 0) invalid("start must be a frame index (>= 0) or None");
            if (!max_frames.is_none() && mf < 0) invalid("max_frames must be >= 0 or None");
            return std::make_unique<FrameIterator>(s, d, st, mf);
          },
          py::arg("direction") = "forward", py::arg("start") = py::none(), py::arg("max_frames") = py::none(),
          R"doc(Tracks every object through the video; returns an iterator of VideoFrame, computed as you iterate
(list(video.propagate()) for all at once).
direction: 'forward' (start, start+1, ...), 'backward' (start, start-1, ...) or 'both' (forward, then
backward from start-1: every frame once). start: None = the first prompted frame. max_frames: frames
after the start in each direction, None = all.)doc");

  py::object model_cls = m.attr("Model");
  model_cls.attr("video") = py::cpp_function(
      [](const py::object& self, const py::object& path, bool memory_selection) {
        return open_video(self, path, memory_selection);
      },
      py::name("video"), py::is_method(model_cls), py::arg("path"), py::arg("use_memory_selection") = true,
      "A new VideoSession on a folder of frames, one image, or a video file: video = "
      "model.video('frames/').");
}

}  // namespace sam3rt::python
