// The CPU backend's table (backend/backend.h): the optimised kernels for the ops that dominate
// SAM 3's run time, the reference kernels for the rest. Host memory needs no DeviceMemory.
#include "backend/backend.h"
#include "backend/cpu/bf16-gemm.h"
#include "backend/cpu/cpu-kernels.h"

namespace sam3rt {

namespace {
KernelTable cpu_kernels() {
  KernelTable k;
  k.linear = cpu::linear;
  k.matmul = cpu::matmul;
  k.conv2d = cpu::conv2d;
  k.conv_transpose2d = cpu::conv_transpose2d;
  k.max_pool2d = cpu::ref::max_pool2d;
  k.layer_norm = cpu::layer_norm;
  k.group_norm = cpu::group_norm;
  k.unary = cpu::unary;
  k.binary = cpu::binary;
  k.add_inplace = cpu::add_inplace;
  k.softmax = cpu::softmax;
  k.masked_mean = cpu::ref::masked_mean;
  k.concat = cpu::concat;
  k.embedding = cpu::ref::embedding;
  k.attention = cpu::attention;
  k.apply_rope = cpu::apply_rope;
  k.interpolate_nearest = cpu::interpolate_nearest;
  k.interpolate_bilinear = cpu::interpolate_bilinear;
  k.interpolate_bilinear_antialias = cpu::interpolate_bilinear_antialias;
  k.roi_align = cpu::ref::roi_align;
  k.grid_sample = cpu::ref::grid_sample;
  return k;
}
}  // namespace

const Backend& cpu_backend() {
  static const Backend b = [] {
    Backend t;
    t.name = "cpu";
    t.devices = [] { return std::vector<DeviceInfo>{}; };  // list_devices() adds the CPU itself
    t.unavailable_reason = [] { return std::string(); };
    t.runs_model = true;
    // bf16 products need AMX-BF16 or AVX-512-BF16 (CPUID at run time) and oneDNN in the build.
    t.bf16_unavailable = [](int) { return cpu::bf16_unavailable_reason(); };
    t.synchronize = [](int) {};
    t.kernels = cpu_kernels();
    return t;
  }();
  return b;
}

}  // namespace sam3rt
