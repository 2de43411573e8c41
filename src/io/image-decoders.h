// Private to src/io/image*.cpp: the per-format decoders and the shared size check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/image.h"

namespace sam3rt::detail {

// Throws kFormat naming `name` when width×height is empty or over the options' limits.
void check_image_size(int64_t width, int64_t height, const DecodeOptions& options, const std::string& name,
                      const char* format);

Image decode_png(const uint8_t* data, size_t size, const DecodeOptions& options, const std::string& name);
Image decode_jpeg(const uint8_t* data, size_t size, const DecodeOptions& options, const std::string& name);

}  // namespace sam3rt::detail
