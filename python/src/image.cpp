// sam3rt.ImageSession and its results: an image in (path, encoded bytes, NumPy array, PIL image),
// text/box prompts (segment) and clicks (click) out, as NumPy arrays.
#include "io/image.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "binding.h"

namespace sam3rt::python {

namespace {

// The pixels of one image argument, ready for ImageSession::set_image once the GIL is released.
// Exactly one of: a path to decode; encoded bytes to decode; RGB pixels (a view into a NumPy array
// kept alive by `keep`, or an owned copy).
struct ImageArg {
  std::string path;
  const uint8_t* encoded = nullptr;
  size_t encoded_size = 0;
  const uint8_t* rgb = nullptr;
  int width = 0, height = 0;
  size_t stride = 0;
  std::vector<uint8_t> owned;
  py::object keep;
};

const char* const kImageKinds =
    "a path, encoded JPEG/PNG bytes, a NumPy uint8 array (H, W, 3) RGB, (H, W, 4) RGBA (alpha ignored) or "
    "(H, W) grey, or a PIL image";

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// Checks dtype and shape, then points at the pixels when they already are packed RGB rows (any row
// stride: a crop of a bigger array costs no copy), else copies them to packed RGB: other channel
// orders or steps, Fortran order, negative strides, RGBA, grey.
void from_array(const py::array& a, ImageArg* out) {
  const py::dtype dt = a.dtype();
  if (dt.kind() != 'u' || dt.itemsize() != 1)
    invalid(std::string("image array must have dtype uint8, got ") + std::string(py::str(py::handle(dt))) +
            " (convert floats in [0, 1] with (a * 255).round().astype(numpy.uint8))");
  const bool grey = a.ndim() == 2;
  if (!grey && !(a.ndim() == 3 && (a.shape(2) == 3 || a.shape(2) == 4)))
    invalid("image array must have shape (H, W, 3), (H, W, 4) or (H, W), got " + shape_text(a));
  if (a.shape(0) <= 0 || a.shape(1) <= 0) invalid("image array is empty: shape " + shape_text(a));
  if (a.shape(0) > kDefaultMaxImageSide || a.shape(1) > kDefaultMaxImageSide)
    invalid("image array " + shape_text(a) + " is larger than " + std::to_string(kDefaultMaxImageSide) +
            " pixels on a side");
  out->height = static_cast<int>(a.shape(0));
  out->width = static_cast<int>(a.shape(1));
  const auto* base = static_cast<const uint8_t*>(a.data());
  const py::ssize_t sy = a.strides(0), sx = a.strides(1), sc = grey ? 0 : a.strides(2);
  const py::ssize_t row = static_cast<py::ssize_t>(out->width) * 3;
  if (!grey && a.shape(2) == 3 && sc == 1 && (sx == 3 || out->width == 1) &&
      (sy >= row || out->height == 1)) {
    out->rgb = base;
    out->stride = out->height == 1 ? static_cast<size_t>(row) : static_cast<size_t>(sy);
    out->keep = a;
    return;
  }
  out->owned.resize(static_cast<size_t>(out->height) * row);
  uint8_t* dst = out->owned.data();
  for (int y = 0; y < out->height; ++y)
    for (int x = 0; x < out->width; ++x) {
      const uint8_t* px = base + y * sy + x * sx;
      for (int c = 0; c < 3; ++c) *dst++ = px[c * sc];
    }
  out->rgb = out->owned.data();
  out->stride = static_cast<size_t>(row);
}

bool is_pil_image(const py::handle& obj) {
  const std::string module = py::str(py::type::handle_of(obj).attr("__module__"));
  return module.rfind("PIL.", 0) == 0 && py::hasattr(obj, "convert") && py::hasattr(obj, "mode");
}

ImageArg image_arg(const py::handle& img) {
  ImageArg out;
  if (is_path_like(img)) {
    out.path = fspath(img, "image");
  } else if (PyBytes_Check(img.ptr())) {
    out.keep = py::reinterpret_borrow<py::object>(img);
    out.encoded = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(img.ptr()));
    out.encoded_size = static_cast<size_t>(PyBytes_GET_SIZE(img.ptr()));
  } else if (PyByteArray_Check(img.ptr()) || PyMemoryView_Check(img.ptr())) {
    // Copied: a bytearray may be resized by another thread while the GIL is released.
    py::bytes b(py::reinterpret_steal<py::object>(PyBytes_FromObject(img.ptr())));
    return image_arg(b);
  } else if (py::isinstance<py::array>(img)) {
    from_array(py::reinterpret_borrow<py::array>(img), &out);
  } else if (is_pil_image(img)) {
    // convert("RGB") first: a palette ("P") image as an array would be its palette indices.
    py::object rgb = img.attr("mode").cast<std::string>() == "RGB" ? py::reinterpret_borrow<py::object>(img)
                                                                   : img.attr("convert")("RGB");
    from_array(py::module_::import("numpy").attr("asarray")(rgb), &out);
  } else if (py::hasattr(img, "__array_interface__") || py::hasattr(img, "__array__")) {
    from_array(py::module_::import("numpy").attr("asarray")(img), &out);
  } else {
    invalid(std::string("image must be ") + kImageKinds + "; got " +
            std::string(py::str(py::type::handle_of(img).attr("__name__"))));
  }
  return out;
}

// A session and the lock that makes it safe to share between Python threads: the engine allows
// one call at a time per session, so concurrent calls on one session take turns (calls on
// different sessions of one model run in parallel).
struct PyImageSession {
  PyImageSession(const Model& model, bool exif) : session(model, exif), apply_exif(exif) {}
  ImageSession session;
  bool apply_exif;
  bool has_image = false;
  int width = 0, height = 0;
  std::mutex mu;
  py::object model;  // the sam3rt.Model it came from, for session.model
};

void set_image(PyImageSession& s, const py::handle& img) {
  ImageArg arg = image_arg(img);
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(s.mu);
    s.has_image = false;  // a failing set_image leaves no usable image behind
    if (!arg.path.empty()) {
      s.session.set_image(arg.path);
    } else if (arg.encoded) {
      DecodeOptions options;
      options.apply_exif_orientation = s.apply_exif;
      const Image decoded = decode_image_memory(arg.encoded, arg.encoded_size, options, "image bytes");
      s.session.set_image(decoded.rgb.data(), decoded.width, decoded.height);
    } else {
      s.session.set_image(arg.rgb, arg.width, arg.height, arg.stride);
    }
    s.width = s.session.width();
    s.height = s.session.height();
    s.has_image = true;
  }
}

void require_image(const PyImageSession& s) {
  if (!s.has_image) invalid("the session has no image: call set_image(img) first");
}

// The result of segment(): instances sorted by score, descending.
struct SegmentResult {
  int width = 0, height = 0;
  float presence = 0;
  py::array_t<bool> masks;
  py::array_t<float> boxes, scores;
  py::array_t<int32_t> queries;
  py::dict timings;

  size_t count() const { return static_cast<size_t>(scores.shape(0)); }
  const uint8_t* mask(size_t i) const {
    return reinterpret_cast<const uint8_t*>(masks.data()) + i * static_cast<size_t>(width) * height;
  }
  py::list to_coco_rle() const {
    py::list out;
    for (size_t i = 0; i < count(); ++i) out.append(coco_rle(mask(i), height, width));
    return out;
  }
  // The CLI's JSON shape of one prompt's answer (segment --json, minus the prompt itself).
  py::dict to_dict() const {
    py::list instances;
    for (size_t i = 0; i < count(); ++i) {
      py::dict inst;
      inst["query"] = queries.at(i);
      inst["score"] = scores.at(i);
      inst["box_xyxy"] =
          py::list(py::make_tuple(boxes.at(i, 0), boxes.at(i, 1), boxes.at(i, 2), boxes.at(i, 3)));
      inst["mask"] = coco_rle(mask(i), height, width);
      instances.append(inst);
    }
    py::dict d;
    d["width"] = width;
    d["height"] = height;
    d["presence"] = presence;
    d["instances"] = instances;
    return d;
  }
};

SegmentResult to_python(const Result& r) {
  SegmentResult out;
  out.width = r.width;
  out.height = r.height;
  out.presence = r.presence;
  const auto n = static_cast<py::ssize_t>(r.instances.size());
  std::vector<const uint8_t*> masks;
  out.boxes = py::array_t<float>({n, py::ssize_t{4}});
  out.scores = py::array_t<float>(n);
  out.queries = py::array_t<int32_t>(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const Instance& inst = r.instances[static_cast<size_t>(i)];
    std::memcpy(out.boxes.mutable_data(i, 0), inst.box_xyxy.data(), 4 * sizeof(float));
    out.scores.mutable_at(i) = inst.score;
    out.queries.mutable_at(i) = inst.query;
    masks.push_back(inst.mask.data());
  }
  out.masks = mask_stack(masks, r.height, r.width);
  out.timings = timings_dict(r.timings);
  return out;
}

SegmentResult segment(PyImageSession& s, const py::object& text, const py::object& boxes,
                      const py::object& box_labels, float threshold) {
  Prompt prompt;
  prompt.threshold = threshold;
  if (!text.is_none()) {
    if (!py::isinstance<py::str>(text)) invalid("text must be a str or None");
    prompt.text = text.cast<std::string>();
  }
  if (!boxes.is_none()) {
    const auto xyxy = boxes_arg(boxes, "boxes");
    std::vector<int> labels(xyxy.size(), 1);
    if (!box_labels.is_none()) {
      labels = ints_arg(box_labels, "box_labels");
      if (labels.size() != xyxy.size())
        invalid("box_labels has " + std::to_string(labels.size()) + " entries for " +
                std::to_string(xyxy.size()) +
                " boxes; give one per box (1/True = positive, 0/False = negative)");
    }
    for (size_t i = 0; i < xyxy.size(); ++i) {
      if (labels[i] != 0 && labels[i] != 1)
        invalid("box_labels must be 1/True (positive) or 0/False (negative), got " +
                std::to_string(labels[i]));
      prompt.boxes.push_back({xyxy[i], labels[i] == 1});
    }
  } else if (!box_labels.is_none()) {
    invalid("box_labels given without boxes");
  }
  if (!prompt.text && prompt.boxes.empty()) invalid("segment() needs text, boxes, or both");
  std::optional<Result> r;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(s.mu);
    require_image(s);
    r.emplace(s.session.predict(prompt));
  }
  return to_python(*r);
}

// The result of click(): candidates in decoder order (3 with multimask, else 1).
struct ClickOut {
  int width = 0, height = 0;
  float object_score_logit = 0;
  py::array_t<bool> masks;
  py::array_t<float> iou, low_res_logits;
  py::dict timings;
};

ClickOut click(PyImageSession& s, const py::object& points, const py::object& labels, const py::object& box,
               const py::object& mask_input, bool multimask) {
  ClickPrompt prompt;
  prompt.points = click_points(points, labels);
  if (!box.is_none()) {
    const auto b = boxes_arg(box, "box");
    if (b.size() != 1) invalid("box must be one box (x0, y0, x1, y1)");
    prompt.box = b[0];
  }
  if (!mask_input.is_none()) {
    auto m = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(mask_input);
    if (!m) invalid("mask_input must be an array of numbers (a previous result's low_res_logits[k])");
    const bool square2 = m.ndim() == 2 && m.shape(0) == m.shape(1);
    const bool square3 = m.ndim() == 3 && m.shape(0) == 1 && m.shape(1) == m.shape(2);
    if (!square2 && !square3) invalid("mask_input must have shape (M, M) or (1, M, M)");
    prompt.mask_input.assign(m.data(), m.data() + m.size());
  }
  prompt.multimask = multimask;
  std::optional<ClickResult> r;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(s.mu);
    require_image(s);
    r.emplace(s.session.click(prompt));
  }
  ClickOut out;
  out.width = r->width;
  out.height = r->height;
  out.object_score_logit = r->object_score_logit;
  const auto k = static_cast<py::ssize_t>(r->candidates.size());
  const auto m = static_cast<py::ssize_t>(r->low_res_size);
  out.iou = py::array_t<float>(k);
  out.low_res_logits = py::array_t<float>({k, m, m});
  std::vector<const uint8_t*> masks;
  for (py::ssize_t i = 0; i < k; ++i) {
    const ClickCandidate& c = r->candidates[static_cast<size_t>(i)];
    out.iou.mutable_at(i) = c.iou;
    std::memcpy(out.low_res_logits.mutable_data(i), c.low_res_logits.data(),
                c.low_res_logits.size() * sizeof(float));
    masks.push_back(c.mask.data());
  }
  out.masks = mask_stack(masks, r->height, r->width);
  out.timings = timings_dict(r->timings);
  return out;
}

std::unique_ptr<PyImageSession> new_session(const py::object& model, const py::object& img, bool exif) {
  auto s = std::make_unique<PyImageSession>(model_of(model), exif);
  s->model = model;
  if (!img.is_none()) set_image(*s, img);
  return s;
}

}  // namespace

void bind_image(py::module_& m) {
  py::class_<SegmentResult>(m, "SegmentResult", R"doc(
Every instance of the prompt's concept in the image, sorted by score (descending).

masks: bool (N, H, W); boxes: float32 (N, 4) xyxy pixels (not clipped to the image);
scores: float32 (N,) = sigmoid(class logit) * presence; queries: int32 (N,) decoder query
indices; presence: sigmoid(presence logit); timings: {stage: milliseconds}.
)doc")
      .def_readonly("masks", &SegmentResult::masks)
      .def_readonly("boxes", &SegmentResult::boxes)
      .def_readonly("scores", &SegmentResult::scores)
      .def_readonly("queries", &SegmentResult::queries)
      .def_readonly("presence", &SegmentResult::presence)
      .def_readonly("width", &SegmentResult::width)
      .def_readonly("height", &SegmentResult::height)
      .def_readonly("timings", &SegmentResult::timings)
      .def("__len__", &SegmentResult::count)
      .def("to_coco_rle", &SegmentResult::to_coco_rle,
           "The masks as COCO RLE dicts {'size': [h, w], 'counts': str} (pycocotools' compressed form).")
      .def("to_dict", &SegmentResult::to_dict,
           "JSON-ready: {'width', 'height', 'presence', 'instances': [{'query', 'score', 'box_xyxy', "
           "'mask'}]}, "
           "the shape `sam3rt segment --json` writes per prompt.")
      .def("__repr__", [](const SegmentResult& r) {
        return "<sam3rt.SegmentResult " + std::to_string(r.count()) + " instances, " +
               std::to_string(r.width) + "x" + std::to_string(r.height) + ", presence " +
               std::to_string(r.presence) + ">";
      });

  py::class_<ClickOut>(m, "ClickResult", R"doc(
Candidate masks of one clicked object, in decoder order (3 with multimask, else 1).

masks: bool (K, H, W); iou: float32 (K,) predicted IoU; low_res_logits: float32 (K, M, M),
clamped to +-32 (pass one back as mask_input to refine); object_score_logit: > 0 when the
object is judged present; timings: {stage: milliseconds}.
)doc")
      .def_readonly("masks", &ClickOut::masks)
      .def_readonly("iou", &ClickOut::iou)
      .def_readonly("low_res_logits", &ClickOut::low_res_logits)
      .def_readonly("object_score_logit", &ClickOut::object_score_logit)
      .def_readonly("width", &ClickOut::width)
      .def_readonly("height", &ClickOut::height)
      .def_readonly("timings", &ClickOut::timings)
      .def("__len__", [](const ClickOut& c) { return c.iou.shape(0); })
      .def(
          "to_coco_rle",
          [](const ClickOut& c) {
            py::list out;
            const size_t pixels = static_cast<size_t>(c.width) * c.height;
            for (py::ssize_t i = 0; i < c.iou.shape(0); ++i)
              out.append(
                  coco_rle(reinterpret_cast<const uint8_t*>(c.masks.data()) + i * pixels, c.height, c.width));
            return out;
          },
          "The candidate masks as COCO RLE dicts {'size': [h, w], 'counts': str}.");

  py::class_<PyImageSession>(m, "ImageSession", R"doc(
One image, encoded once, and any number of prompts on it.

    session = model.image("photo.jpg")       # or sam3rt.ImageSession(model, img)
    cars = session.segment("car")
    trucks = session.segment("truck")         # reuses the image features
    obj = session.click([[210, 350]], [1])    # needs a model with tracker weights

img: a path, encoded JPEG/PNG bytes, a NumPy uint8 array (H, W, 3) RGB, (H, W, 4) RGBA (alpha
ignored) or (H, W) grey, or a PIL image. Calls on one session from several threads take turns;
give each thread its own session to run them in parallel.
)doc")
      .def(py::init(&new_session), py::arg("model"), py::arg("img") = py::none(),
           py::arg("apply_exif_orientation") = false)
      .def("set_image", &set_image, py::arg("img"),
           "Replaces the image and runs the image encoder on it (the expensive part of a first prompt).")
      .def_property_readonly("width", [](const PyImageSession& s) { return s.width; })
      .def_property_readonly("height", [](const PyImageSession& s) { return s.height; })
      .def_property_readonly("model", [](const PyImageSession& s) { return s.model; })
      .def_property_readonly(
          "image_timings",
          [](PyImageSession& s) {
            std::lock_guard<std::mutex> lock(s.mu);
            return timings_dict(s.session.image_timings());
          },
          "{'preprocess': ms, 'backbone': ms} of the last set_image.")
      .def("segment", &segment, py::arg("text") = py::none(), py::arg("boxes") = py::none(),
           py::arg("box_labels") = py::none(), py::arg("threshold") = 0.5f,
           R"doc(Finds every instance of a concept: a noun phrase, exemplar boxes (N, 4) xyxy pixels, or both.
box_labels: one per box, 1/True = an example of what to find (default), 0/False = of what not to find.
Keeps instances with score > threshold (in [0, 1]). Returns a SegmentResult.)doc")
      // Benchmark hook (bench/python-overhead.py): one call of the same work through the C++ API
      // alone, timed inside C++, so that the binding's overhead can be measured in the same
      // process, on the same session, interleaved call by call with segment(). Returns (wall
      // microseconds, microseconds inside the engine's timed stages).
      .def(
          "_time_cpp_api",
          [](PyImageSession& s, const std::string& text, const std::optional<std::string>& image_path) {
            const Prompt prompt = Prompt::from_text(text);
            py::gil_scoped_release nogil;
            std::lock_guard<std::mutex> lock(s.mu);
            const auto t0 = std::chrono::steady_clock::now();
            if (image_path) s.session.set_image(*image_path);
            const Result r = s.session.predict(prompt);
            const auto t1 = std::chrono::steady_clock::now();
            if (image_path) s.has_image = true;
            double stages_ms = 0;
            for (const Timing& t : r.timings) stages_ms += t.ms;
            if (image_path)
              for (const Timing& t : s.session.image_timings()) stages_ms += t.ms;
            return std::make_pair(std::chrono::duration<double, std::micro>(t1 - t0).count(),
                                  stages_ms * 1e3);
          },
          py::arg("text"), py::arg("image_path") = py::none())
      .def("click", &click, py::arg("points") = py::none(), py::arg("labels") = py::none(),
           py::arg("box") = py::none(), py::arg("mask_input") = py::none(), py::arg("multimask") = true,
           R"doc(Interactive segmentation of one object (SAM's predict_inst).
points: (N, 2) xy pixels; labels: (N,) 1 on the object (default), 0 not on it (-1 ignored, 2/3 box corners);
box: (x0, y0, x1, y1); mask_input: a previous result's low_res_logits[k], (M, M);
multimask: 3 candidates (for an ambiguous prompt) or 1. Returns a ClickResult.)doc");

  // model.image(img): defined here, beside the session it makes.
  py::object model_cls = m.attr("Model");
  model_cls.attr("image") = py::cpp_function(
      [](const py::object& self, const py::object& img, bool exif) { return new_session(self, img, exif); },
      py::name("image"), py::is_method(model_cls), py::arg("img") = py::none(),
      py::arg("apply_exif_orientation") = false,
      "A new ImageSession on img (see ImageSession): session = model.image('photo.jpg').");
}

}  // namespace sam3rt::python
