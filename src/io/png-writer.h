// Writing 8-bit gray and RGB PNGs (masks, overlays). The file appears atomically: the image is
// written to "<path>.tmp.<pid>" and renamed over `path`, so a reader never sees half a file and a
// failure leaves no partial output. Throws kIo naming the path when it cannot be written.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace sam3rt {

// pixels: [height, width, channels] row-major, channels 1 (gray) or 3 (RGB).
void write_png(const std::string& path, const uint8_t* pixels, int width, int height, int channels);
// image: u8 [H, W] (gray), [H, W, 3] (RGB) or [3, H, W] (CHW RGB); any layout.
void write_png(const std::string& path, const Tensor& image);

}  // namespace sam3rt
