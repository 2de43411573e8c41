// The SPIR-V of the Vulkan backend's compute shaders (src/backend/vulkan/shaders/*.comp), compiled
// by glslc at build time and embedded in the library (cmake/vulkan.cmake generates the table).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sam3rt::vk {

struct SpirvModule {
  const char* name;  // the shader's file name without .comp
  const uint32_t* words;
  size_t word_count;
};

// The embedded module `name`, or nullptr.
const SpirvModule* find_spirv(const char* name);

}  // namespace sam3rt::vk
