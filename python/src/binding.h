// Shared pieces of the sam3rt Python module (pybind11 over the public C++ API, sam3rt.hpp).
//
// Conventions of every binding: arguments are converted and checked with the GIL held; the engine
// runs with the GIL released (so other Python threads, and other sessions of the same model, run
// meanwhile); results are copied into NumPy arrays once the GIL is back. Engine failures
// (sam3rt::ApiError, and sam3rt::Error from the two internal helpers) become the module's
// exception types, chosen by status, with the engine's one-line message (module.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

namespace py = pybind11;

namespace sam3rt::python {

// Raised for a bad argument found by the binding itself: the same InvalidArgumentError (a
// ValueError) as the engine's own refusals, so callers catch one type.
[[noreturn]] inline void invalid(const std::string& message) {
  throw ApiError(SAM3RT_ERR_INVALID_ARGUMENT, message);
}

// A str or os.PathLike as a filesystem path; `what` names the argument in the error.
std::string fspath(const py::handle& obj, const char* what);
bool is_path_like(const py::handle& obj);

// Array-likes of numbers as flat float / int vectors with their checked shape. Anything NumPy
// cannot turn into numbers, or of another shape, is InvalidArgumentError naming `what`.
// rows × 4 from an (N, 4) or a single (4,) box.
std::vector<std::array<float, 4>> boxes_arg(const py::handle& obj, const char* what);
// N × 2 points from an (N, 2) or a single (2,) point.
std::vector<std::array<float, 2>> points_arg(const py::handle& obj, const char* what);
// N integers from an (N,) sequence (booleans count as 0/1).
std::vector<int> ints_arg(const py::handle& obj, const char* what);
// Click points with their labels (1 when labels is None); the two lengths must agree.
std::vector<Point> click_points(const py::handle& points, const py::handle& labels);

// {"size": [h, w], "counts": "..."}: pycocotools' compressed RLE of a row-major 0/1 mask.
py::dict coco_rle(const uint8_t* mask, int height, int width);
py::dict coco_rle(const std::string& counts, int height, int width);
// A bool array of shape (n, height, width) filled from n row-major 0/1 masks.
py::array_t<bool> mask_stack(const std::vector<const uint8_t*>& masks, int height, int width);
// Stage → milliseconds.
py::dict timings_dict(const std::vector<Timing>& timings);

// The engine model inside a sam3rt.Model (a cast error for anything else).
const Model& model_of(const py::handle& obj);

void bind_model(py::module_& m);
void bind_image(py::module_& m);
void bind_video(py::module_& m);

}  // namespace sam3rt::python
