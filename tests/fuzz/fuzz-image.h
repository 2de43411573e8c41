// Shared by the PNG and JPEG targets: decoding through our wrapper (format detection, size caps,
// EXIF orientation) with the options the CLI uses, then every pixel is read.
#pragma once

#include "io/image.h"

namespace sam3rt::fuzz {

inline void decode_image_both_ways(const uint8_t* data, size_t size) {
  DecodeOptions options;
  options.apply_exif_orientation = true;
  Image image = decode_image_memory(data, size, options, "fuzz-image");
  volatile uint8_t sink = 0;
  for (uint8_t v : image.rgb) sink = sink ^ v;
  (void)read_exif_orientation(data, size);
}

}  // namespace sam3rt::fuzz
