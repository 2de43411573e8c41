// The `sam3rt._sam3rt` extension: exception types, devices, precision, Model, and the shared
// argument helpers of binding.h. Image sessions are in image.cpp, video sessions in video.cpp.
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>

#include "binding.h"
#include "core/error.h"
#include "pipeline/rle.h"

namespace sam3rt::python {

namespace {

// One Python type per C status (index = sam3rt_status), created at import.
PyObject* g_error_types[SAM3RT_ERR_INTERNAL + 1] = {};

PyObject* error_type(int status) {
  if (status <= 0 || status > SAM3RT_ERR_INTERNAL) status = SAM3RT_ERR_INTERNAL;
  return g_error_types[status];
}

// sam3rt.Error derives from RuntimeError; each specific type also derives from the builtin a
// Python caller would naturally catch (ValueError for bad input, OSError for files, MemoryError).
void create_error_types(py::module_& m) {
  struct Spec {
    int status;
    const char* name;
    PyObject* builtin;
    const char* doc;
  };
  PyObject* base = PyErr_NewExceptionWithDoc(
      "sam3rt.Error", "Any failure reported by the sam3rt engine; the message is its one-line explanation.",
      PyExc_RuntimeError, nullptr);
  if (!base) throw py::error_already_set();
  m.add_object("Error", py::handle(base));
  const Spec specs[] = {
      {SAM3RT_ERR_INVALID_ARGUMENT, "InvalidArgumentError", PyExc_ValueError,
       "A bad argument: prompt, box, point, image array (dtype, shape), option. Also a ValueError."},
      {SAM3RT_ERR_IO, "FileError", PyExc_OSError,
       "A file missing, unreadable or unwritable. Also an OSError."},
      {SAM3RT_ERR_FORMAT, "FormatError", nullptr,
       "Corrupt or unsupported file contents (model, image, video)."},
      {SAM3RT_ERR_UNSUPPORTED, "UnsupportedError", nullptr,
       "A feature this build or model does not have (for example clicks on a model without tracker "
       "weights)."},
      {SAM3RT_ERR_DEVICE_UNAVAILABLE, "DeviceUnavailableError", nullptr,
       "The device asked for is not built in or not present; the message says how to get it."},
      {SAM3RT_ERR_OUT_OF_MEMORY, "OutOfMemoryError", PyExc_MemoryError, "Out of memory. Also a MemoryError."},
      {SAM3RT_ERR_INTERNAL, "InternalError", nullptr, "A bug in sam3rt: please report it with the message."},
  };
  for (const Spec& s : specs) {
    py::tuple bases = s.builtin ? py::make_tuple(py::handle(base), py::handle(s.builtin))
                                : py::make_tuple(py::handle(base));
    std::string qualified = std::string("sam3rt.") + s.name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), s.doc, bases.ptr(), nullptr);
    if (!type) throw py::error_already_set();
    g_error_types[s.status] = type;  // the module keeps the reference alive
    m.add_object(s.name, py::handle(type));
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ApiError& e) {
      PyErr_SetString(error_type(e.status()), e.what());
    } catch (const Error& e) {
      PyErr_SetString(error_type(static_cast<int>(e.code())), e.what());
    }
  });
}

// What the Model keeps besides the engine's handle: how it was made, for info() and pickling.
struct PyModel {
  Model model;
  std::string path, config, tokenizer;
  std::optional<std::string> precision;
  int threads = 0;
};

std::string optional_path(const py::object& obj, const char* what) {
  return obj.is_none() ? std::string() : fspath(obj, what);
}

py::list device_list() {
  py::list out;
  for (const DeviceDescription& d : devices()) {
    py::dict row;
    row["id"] = d.id;
    row["name"] = d.name;
    row["memory_bytes"] = d.memory_bytes;
    out.append(row);
  }
  return out;
}

}  // namespace

bool is_path_like(const py::handle& obj) {
  return py::isinstance<py::str>(obj) || py::hasattr(obj, "__fspath__");
}

std::string fspath(const py::handle& obj, const char* what) {
  if (!is_path_like(obj))
    invalid(std::string(what) + " must be a path (str or os.PathLike), got " +
            std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  py::object p = py::module_::import("os").attr("fspath")(obj);
  if (!py::isinstance<py::str>(p)) p = py::module_::import("os").attr("fsdecode")(p);
  return p.cast<std::string>();
}

namespace {

// A float32 C-contiguous view of any array-like of numbers; InvalidArgumentError otherwise.
py::array_t<float, py::array::c_style | py::array::forcecast> float_array(const py::handle& obj,
                                                                          const char* what) {
  auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!a) invalid(std::string(what) + " must be an array of numbers");
  return a;
}

template <size_t K>
std::vector<std::array<float, K>> rows_arg(const py::handle& obj, const char* what, const char* shape) {
  auto a = float_array(obj, what);
  const bool single = a.ndim() == 1 && a.shape(0) == static_cast<py::ssize_t>(K);
  if (!single && !(a.ndim() == 2 && a.shape(1) == static_cast<py::ssize_t>(K)))
    invalid(
        std::string(what) + " must have shape " + shape + ", got " +
        std::string(py::str(py::tuple(py::cast(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()))))));
  const size_t n = single ? 1 : static_cast<size_t>(a.shape(0));
  std::vector<std::array<float, K>> out(n);
  if (n) std::memcpy(out.data(), a.data(), n * K * sizeof(float));
  return out;
}

}  // namespace

std::vector<std::array<float, 4>> boxes_arg(const py::handle& obj, const char* what) {
  return rows_arg<4>(obj, what, "(N, 4) or (4,)");
}

std::vector<std::array<float, 2>> points_arg(const py::handle& obj, const char* what) {
  return rows_arg<2>(obj, what, "(N, 2) or (2,)");
}

std::vector<int> ints_arg(const py::handle& obj, const char* what) {
  auto f = float_array(obj, what);
  if (f.ndim() > 1) invalid(std::string(what) + " must be a sequence of integers (one dimension)");
  std::vector<int> out;
  for (py::ssize_t i = 0; i < f.size(); ++i) {
    const float v = f.data()[i];
    if (!std::isfinite(v) || v != std::floor(v)) invalid(std::string(what) + " must hold integers");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<Point> click_points(const py::handle& points, const py::handle& labels) {
  std::vector<Point> out;
  if (points.is_none()) {
    if (!labels.is_none()) invalid("labels given without points");
    return out;
  }
  const auto xy = points_arg(points, "points");
  std::vector<int> lab(xy.size(), 1);
  if (!labels.is_none()) {
    lab = ints_arg(labels, "labels");
    if (lab.size() != xy.size())
      invalid("labels has " + std::to_string(lab.size()) + " entries for " + std::to_string(xy.size()) +
              " points; give one label per point (1 on the object, 0 not on it)");
  }
  for (size_t i = 0; i < xy.size(); ++i) out.push_back({xy[i][0], xy[i][1], lab[i]});
  return out;
}

py::dict coco_rle(const std::string& counts, int height, int width) {
  py::dict d;
  py::list size;
  size.append(height);
  size.append(width);
  d["size"] = size;
  d["counts"] = counts;
  return d;
}

py::dict coco_rle(const uint8_t* mask, int height, int width) {
  const pipeline::Rle rle = pipeline::rle_encode(mask, height, width);
  return coco_rle(pipeline::rle_to_string(rle.counts), height, width);
}

py::array_t<bool> mask_stack(const std::vector<const uint8_t*>& masks, int height, int width) {
  py::array_t<bool> out({static_cast<py::ssize_t>(masks.size()), static_cast<py::ssize_t>(height),
                         static_cast<py::ssize_t>(width)});
  const size_t pixels = static_cast<size_t>(height) * width;
  // NumPy's bool is one byte holding 0 or 1, which is what the engine's masks hold.
  auto* dst = reinterpret_cast<uint8_t*>(out.mutable_data());
  for (size_t i = 0; i < masks.size(); ++i) std::memcpy(dst + i * pixels, masks[i], pixels);
  return out;
}

py::dict timings_dict(const std::vector<Timing>& timings) {
  py::dict d;
  for (const Timing& t : timings) d[py::str(t.stage)] = t.ms;
  return d;
}

void bind_model(py::module_& m) {
  m.def("version", &version, "The engine's version, e.g. '0.1.0'.");
  m.def("devices", &device_list,
        "The devices this build can use now: a list of {'id', 'name', 'memory_bytes'} (the CPU is always "
        "one).");
  m.def(
      "set_precision", [](const std::string& p) { set_precision(p); }, py::arg("precision"),
      "Process-wide arithmetic of matrix products: 'fp32' (default, exact) or 'tf32' (GPU tensor cores, "
      "~1e-3 relative difference; no effect on the CPU). Set it before running models.");

  py::class_<PyModel, std::shared_ptr<PyModel>>(m, "Model", R"doc(
A loaded SAM 3 model: immutable weights shared by every session made from it, on any thread.

    model = sam3rt.Model("sam3.pt", tokenizer="bpe_simple_vocab_16e6.txt.gz")
    result = model.image("photo.jpg").segment("red car")

path: the native .sam3rt file, the official sam3.pt, or a Hugging Face folder.
device: "auto" (CUDA, then Metal, then CPU), "cpu", "cuda", "cuda:N", "metal".
precision: None (leave the process-wide setting, fp32 by default), "fp32", "tf32" or "bf16"; process-wide.
config, tokenizer: for a bare sam3.pt, its hyperparameters JSON and the CLIP merges file.
threads: CPU threads per call of this model's sessions; 0 = all cores (or SAM3RT_NUM_THREADS).
)doc")
      .def(py::init([](const py::object& path, const std::string& device,
                       const std::optional<std::string>& precision, const py::object& config,
                       const py::object& tokenizer, int threads) {
             if (threads < 0) invalid("threads must be >= 0 (0 = all cores), got " + std::to_string(threads));
             ModelOptions options;
             options.device = device;
             options.config_path = optional_path(config, "config");
             options.tokenizer_path = optional_path(tokenizer, "tokenizer");
             options.n_threads = threads;
             const std::string p = fspath(path, "path");
             if (precision) set_precision(*precision);
             std::optional<Model> loaded;
             {
               py::gil_scoped_release nogil;
               loaded.emplace(Model::load(p, options));
             }
             return std::make_shared<PyModel>(
                 PyModel{*loaded, p, options.config_path, options.tokenizer_path, precision, threads});
           }),
           py::arg("path"), py::arg("device") = "auto", py::arg("precision") = py::none(),
           py::arg("config") = py::none(), py::arg("tokenizer") = py::none(), py::arg("threads") = 0)
      .def_property_readonly(
          "device", [](const PyModel& pm) { return pm.model.device(); },
          "Where the model runs: 'cpu', 'cuda:0'.")
      .def_static("devices", &device_list, "Same as sam3rt.devices().")
      .def(
          "info",
          [](const PyModel& pm) {
            py::dict d;
            d["path"] = pm.path;
            d["device"] = pm.model.device();
            d["image_size"] = pm.model.image_size();
            d["has_tracker"] = pm.model.has_tracker();
            d["mask_input_size"] = pm.model.mask_input_size();
            d["threads"] = pm.threads;
            d["precision"] = pm.precision ? py::object(py::str(*pm.precision)) : py::object(py::none());
            d["version"] = version();
            return d;
          },
          "{'path', 'device', 'image_size', 'has_tracker', 'mask_input_size', 'threads', 'precision', "
          "'version'}.")
      .def("__repr__",
           [](const PyModel& pm) { return "<sam3rt.Model '" + pm.path + "' on " + pm.model.device() + ">"; })
      // Pickling reloads from the same path on the other side (a Dask worker, a subprocess): the
      // weights are memory-mapped files, not bytes worth shipping.
      .def(py::pickle(
          [](const PyModel& pm) {
            return py::make_tuple(pm.path, pm.model.device(), pm.precision, pm.config, pm.tokenizer,
                                  pm.threads);
          },
          [](const py::tuple& t) -> std::shared_ptr<PyModel> {
            py::object cls = py::module_::import("sam3rt._sam3rt").attr("Model");
            py::object cfg = t[3].cast<std::string>().empty() ? py::object(py::none()) : py::object(t[3]);
            py::object tok = t[4].cast<std::string>().empty() ? py::object(py::none()) : py::object(t[4]);
            return cls(t[0], t[1], t[2], cfg, tok, t[5]).cast<std::shared_ptr<PyModel>>();
          }));
}

const Model& model_of(const py::handle& obj) { return obj.cast<const PyModel&>().model; }

}  // namespace sam3rt::python

namespace sam3rt::python {
void create_module_errors(py::module_& m) { create_error_types(m); }
}  // namespace sam3rt::python

PYBIND11_MODULE(_sam3rt, m) {
  m.doc() =
      "sam3rt: SAM 3 (Segment Anything with Concepts) inference without PyTorch. Use the `sam3rt` package.";
  sam3rt::python::create_module_errors(m);
  sam3rt::python::bind_model(m);
  sam3rt::python::bind_image(m);
  sam3rt::python::bind_video(m);
  m.attr("__version__") = sam3rt::version();
}
