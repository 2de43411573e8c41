// Decoding the images users give: JPEG (libjpeg-turbo) and PNG (libpng), from a path or from
// memory, to 8-bit RGB. Pixels match what PIL decodes for the same file (the reference opens
// images with PIL): JPEG with the library defaults (ISLOW DCT, fancy upsampling), PNG 16-bit
// samples reduced to their high byte, palettes expanded, gray replicated to RGB, alpha dropped.
//
// EXIF orientation is not applied by default, because the reference does not apply it: a photo
// whose camera stored it sideways is segmented sideways, exactly as SAM 3 does. Set
// DecodeOptions::apply_exif_orientation to get the upright image.
//
// Every failure throws sam3rt::Error with one line naming the file: kIo (missing, a folder,
// unreadable), kFormat (not an image, corrupt, truncated, 0×0, too large), kUnsupported (an image
// format other than JPEG/PNG, such as WebP or GIF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sam3rt {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // [height, width, 3] row-major
};

// Limits refuse absurd headers before any pixel memory is allocated. 2^28 pixels is a 16k×16k
// image (768 MiB of RGB); 65535 is the PNG/JPEG-practical side limit (JPEG's own is 65500).
constexpr int64_t kDefaultMaxImagePixels = int64_t{1} << 28;
constexpr int kDefaultMaxImageSide = 65535;

struct DecodeOptions {
  bool apply_exif_orientation = false;
  int64_t max_pixels = kDefaultMaxImagePixels;
  int max_side = kDefaultMaxImageSide;
};

enum class ImageFormat { kUnknown, kJpeg, kPng, kOther };

// Looks at the magic bytes only (never at a file extension). kOther = a recognised image format
// that is not supported (its name in *other_name when given).
ImageFormat detect_image_format(const uint8_t* data, size_t size, std::string* other_name = nullptr);

Image decode_image_file(const std::string& path, const DecodeOptions& options = {});
Image decode_image_memory(const uint8_t* data, size_t size, const DecodeOptions& options,
                          const std::string& name_for_errors);

// The EXIF orientation tag (1..8) of a JPEG (APP1 "Exif") or PNG (eXIf chunk) in memory, or 1
// when there is none or it cannot be read.
int read_exif_orientation(const uint8_t* data, size_t size);
// Applies an EXIF orientation (1..8) to an image in place; 1 or an unknown value does nothing.
void apply_exif_orientation(Image& image, int orientation);

// u8 [3, H, W] (CHW) copy of the image, the layout the reference's to_image() produces.
Tensor image_to_chw_tensor(const Image& image);

}  // namespace sam3rt
