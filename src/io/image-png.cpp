// PNG decoding through libpng's low-level API, to 8-bit RGB as PIL's convert("RGB") gives it:
// 16-bit samples keep their high byte (png_set_strip_16, like PIL's "RGB;16B" unpacking), 1/2/4-bit
// gray and palettes are expanded, gray is replicated, alpha (and tRNS) is dropped, gamma chunks are
// ignored (PIL ignores them too).
//
// libpng reports errors by longjmp. The jump lands in read_png(), whose frame holds only plain
// C data; everything with a destructor lives in the caller, so nothing is skipped and nothing
// leaks; the caller turns the recorded message into an exception.
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "io/image-decoders.h"

namespace sam3rt::detail {
namespace {

struct PngReader {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  const DecodeOptions* options = nullptr;
  const std::string* name = nullptr;
  char error[256] = {};
  bool size_error = false;  // the header failed our size limits (message already in `error`)
  std::vector<uint8_t>* pixels = nullptr;
  std::vector<png_bytep>* rows = nullptr;
  int width = 0, height = 0;
};

void png_error_fn(png_structp png, png_const_charp message) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->error, sizeof(r->error), "%s", message ? message : "unknown libpng error");
  png_longjmp(png, 1);
}

void png_warning_fn(png_structp png, png_const_charp message) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  log_debug("png ", *r->name, ": ", message ? message : "");
}

void png_read_fn(png_structp png, png_bytep out, png_size_t length) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > r->size - r->pos) png_error(png, "the file is truncated (unexpected end of data)");
  std::memcpy(out, r->data + r->pos, length);
  r->pos += length;
}

// Returns true on success. Only plain data lives in this frame (see the file comment).
bool read_png(PngReader* r) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, png_error_fn, png_warning_fn);
  if (!png) {
    std::snprintf(r->error, sizeof(r->error), "out of memory creating the PNG reader");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(r->error, sizeof(r->error), "out of memory creating the PNG reader");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, r, png_read_fn);
  // libpng allocates a chunk's declared length (up to 8 MB by default) before reading it; no
  // chunk can be longer than the file, and decompressed ancillary chunks (iCCP, zTXt) no longer
  // than deflate's 1032:1 allows, so the cap follows the file size.
  png_set_chunk_malloc_max(png, std::min<png_alloc_size_t>(8000000, std::max<png_alloc_size_t>(
                                                                        65536, 1032 * static_cast<png_alloc_size_t>(r->size))));
  png_read_info(png, info);

  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, nullptr, nullptr);
  // The rows must fit the file: deflate expands at most 1032:1, so a file of n bytes holds at most
  // ~1032·n bytes of filtered rows (one filter byte + the packed samples per row; interlacing only
  // adds rows). Checking this before allocating refuses a tiny file whose header claims an image
  // of hundreds of megapixels, which would otherwise cost the whole pixel buffer to find out.
  const int channels = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                       : color_type == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 1;
  const uint64_t row_bytes = 1 + (static_cast<uint64_t>(width) * channels * bit_depth + 7) / 8;
  if (row_bytes * height > 1032 * static_cast<uint64_t>(r->size) + 1024) {
    std::snprintf(r->error, sizeof(r->error),
                  "the file is %zu bytes, too short to hold a %ux%u image even fully compressed; it is truncated",
                  r->size, static_cast<unsigned>(width), static_cast<unsigned>(height));
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  // Our limits before any row memory exists (libpng's own default allows 1,000,000 per side).
  if (width == 0 || height == 0 || width > static_cast<png_uint_32>(r->options->max_side) ||
      height > static_cast<png_uint_32>(r->options->max_side) ||
      static_cast<int64_t>(width) * height > r->options->max_pixels) {
    r->width = static_cast<int>(width);
    r->height = static_cast<int>(height);
    r->size_error = true;
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }

  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  // Expansion turns a tRNS chunk into an alpha channel, which is dropped like a real one.
  if ((color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<size_t>(width) * 3) png_error(png, "unexpected row layout after conversion to RGB");

  r->width = static_cast<int>(width);
  r->height = static_cast<int>(height);
  r->pixels->resize(static_cast<size_t>(width) * height * 3);
  r->rows->resize(height);
  for (png_uint_32 y = 0; y < height; ++y) (*r->rows)[y] = r->pixels->data() + static_cast<size_t>(y) * width * 3;
  png_read_image(png, r->rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

}  // namespace

Image decode_png(const uint8_t* data, size_t size, const DecodeOptions& options, const std::string& name) {
  // The size in IHDR (always the first chunk, at byte 16) is checked before libpng reads on, so
  // an absurd header is refused even when the rest of the file is missing.
  if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
    auto be32 = [&](size_t at) {
      return (int64_t{data[at]} << 24) | (int64_t{data[at + 1]} << 16) | (int64_t{data[at + 2]} << 8) | data[at + 3];
    };
    check_image_size(be32(16), be32(20), options, name, "PNG");
  }
  Image image;
  std::vector<png_bytep> rows;
  PngReader r;
  r.data = data;
  r.size = size;
  r.options = &options;
  r.name = &name;
  r.pixels = &image.rgb;
  r.rows = &rows;
  if (!read_png(&r)) {
    if (r.size_error) check_image_size(r.width, r.height, options, name, "PNG");  // throws
    fail(ErrorCode::kFormat, name, ": corrupt or truncated PNG (", r.error, ")");
  }
  image.width = r.width;
  image.height = r.height;
  return image;
}

}  // namespace sam3rt::detail
