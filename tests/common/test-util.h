// Helpers shared by the test programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sam3rt::test {

std::string data_dir();    // tests/data
std::string shared_dir();  // ../shared beside the checkout (may not exist)
std::string cli_path();    // the built sam3rt program
bool file_exists(const std::string& path);

// ‖a − b‖ / ‖b‖ over all elements (any dtype/layout; compared in f64). Shapes must match.
double rel_error(const Tensor& a, const Tensor& b);
double max_abs_diff(const Tensor& a, const Tensor& b);

// Uniform random f32 tensor in [lo, hi) from a fixed seed (never all zeros).
Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1.f, float hi = 1.f);

// Runs a shell command, returns its exit code; stdout+stderr captured into `output`.
int run_command(const std::string& command, std::string* output);

}  // namespace sam3rt::test
