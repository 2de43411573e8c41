// The Vulkan backend's table (backend/backend.h): device enumeration, memory and the command
// stream (vk-runtime.cpp), the kernels (vk-kernels.h). Compiled only when SAM3RT_VULKAN finds
// libvulkan and glslc (cmake/vulkan.cmake); backend/registry.cpp registers it.
#include "backend/backend.h"
#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt {

namespace {

KernelTable vulkan_kernels() {
  KernelTable k;
  k.linear = vk::linear;
  k.matmul = vk::matmul;
  k.conv2d = vk::conv2d;
  k.conv_transpose2d = vk::conv_transpose2d;
  k.max_pool2d = vk::max_pool2d;
  k.layer_norm = vk::layer_norm;
  k.group_norm = vk::group_norm;
  k.unary = vk::unary;
  k.binary = vk::binary;
  k.add_inplace = vk::add_inplace;
  k.softmax = vk::softmax;
  k.masked_mean = vk::masked_mean;
  k.concat = vk::concat;
  k.embedding = vk::embedding;
  k.attention = vk::attention;
  k.apply_rope = vk::apply_rope;
  k.interpolate_nearest = vk::interpolate_nearest;
  k.interpolate_bilinear = vk::interpolate_bilinear;
  k.interpolate_bilinear_antialias = vk::interpolate_bilinear_antialias;
  k.roi_align = vk::roi_align;
  k.grid_sample = vk::grid_sample;
  return k;
}

}  // namespace

const Backend& vulkan_backend() {
  static const Backend b = [] {
    Backend t;
    t.name = "vulkan";
    t.devices = vk::devices;
    t.unavailable_reason = vk::unavailable_reason;
    t.runs_model = true;
    t.memory = vk::memory();
    t.synchronize = vk::synchronize;
    t.kernels = vulkan_kernels();
    return t;
  }();
  return b;
}

}  // namespace sam3rt
