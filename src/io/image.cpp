// Image decoding entry points: format detection by magic bytes, size limits, EXIF orientation.
#include "io/image.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/error.h"
#include "io/image-decoders.h"

namespace sam3rt {

namespace detail {

void check_image_size(int64_t width, int64_t height, const DecodeOptions& options, const std::string& name,
                      const char* format) {
  SAM3RT_CHECK(width > 0 && height > 0, kFormat, name, ": the ", format, " header says the image is ", width, "x",
               height, " pixels; an image needs at least one pixel");
  SAM3RT_CHECK(width <= options.max_side && height <= options.max_side && width * height <= options.max_pixels,
               kFormat, name, ": the ", format, " header says the image is ", width, "x", height,
               " pixels, over the limit of ", options.max_side, " pixels per side and ", options.max_pixels,
               " pixels in all; refusing to decode it (resize the image first)");
}

}  // namespace detail

namespace {

bool starts_with(const uint8_t* data, size_t size, const char* magic, size_t n, size_t at = 0) {
  return size >= at + n && std::memcmp(data + at, magic, n) == 0;
}

// --- EXIF (a TIFF block: byte order mark, IFD0 offset, 12-byte entries) ----------------------
int tiff_orientation(const uint8_t* t, size_t n) {
  if (n < 8) return 1;
  bool little;
  if (t[0] == 'I' && t[1] == 'I') little = true;
  else if (t[0] == 'M' && t[1] == 'M') little = false;
  else return 1;
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? t[at] | (t[at + 1] << 8) : (t[at] << 8) | t[at + 1];
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? t[at] | (t[at + 1] << 8) | (t[at + 2] << 16) | (uint32_t(t[at + 3]) << 24)
                  : (uint32_t(t[at]) << 24) | (t[at + 1] << 16) | (t[at + 2] << 8) | t[at + 3];
  };
  if (u16(2) != 42) return 1;
  const size_t ifd = u32(4);
  if (ifd + 2 > n) return 1;
  const uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + size_t{12} * i;
    if (e + 12 > n) return 1;
    if (u16(e) == 0x0112) {  // Orientation, SHORT, count 1: value in the first two bytes
      const uint32_t v = u16(e + 8);
      return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
    }
  }
  return 1;
}

int jpeg_orientation(const uint8_t* d, size_t n) {
  size_t pos = 2;  // after SOI
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return 1;
    const uint8_t marker = d[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      pos += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // image data starts: no EXIF before it
    const size_t len = (size_t{d[pos + 2]} << 8) | d[pos + 3];
    if (len < 2 || pos + 2 + len > n) return 1;
    const uint8_t* seg = d + pos + 4;
    const size_t seg_len = len - 2;
    if (marker == 0xE1 && seg_len >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0)
      return tiff_orientation(seg + 6, seg_len - 6);
    pos += 2 + len;
  }
  return 1;
}

int png_orientation(const uint8_t* d, size_t n) {
  size_t pos = 8;  // after the signature
  while (pos + 12 <= n) {
    const size_t len = (size_t{d[pos]} << 24) | (size_t{d[pos + 1]} << 16) | (size_t{d[pos + 2]} << 8) | d[pos + 3];
    if (len > n - pos - 12) return 1;
    if (std::memcmp(d + pos + 4, "eXIf", 4) == 0) return tiff_orientation(d + pos + 8, len);
    if (std::memcmp(d + pos + 4, "IEND", 4) == 0) return 1;
    pos += 12 + len;
  }
  return 1;
}

}  // namespace

ImageFormat detect_image_format(const uint8_t* data, size_t size, std::string* other_name) {
  if (starts_with(data, size, "\xFF\xD8\xFF", 3)) return ImageFormat::kJpeg;
  if (starts_with(data, size, "\x89PNG\r\n\x1A\n", 8)) return ImageFormat::kPng;
  const char* other = nullptr;
  if (starts_with(data, size, "GIF87a", 6) || starts_with(data, size, "GIF89a", 6)) other = "GIF";
  else if (starts_with(data, size, "RIFF", 4) && starts_with(data, size, "WEBP", 4, 8)) other = "WebP";
  else if (starts_with(data, size, "BM", 2)) other = "BMP";
  else if (starts_with(data, size, "II*\0", 4) || starts_with(data, size, "MM\0*", 4)) other = "TIFF";
  else if (starts_with(data, size, "ftypheic", 8, 4) || starts_with(data, size, "ftypheix", 8, 4) ||
           starts_with(data, size, "ftypmif1", 8, 4))
    other = "HEIF";
  else if (starts_with(data, size, "ftypavif", 8, 4)) other = "AVIF";
  else if (starts_with(data, size, "\0\0\0\x0CjP  ", 8)) other = "JPEG 2000";
  if (other) {
    if (other_name) *other_name = other;
    return ImageFormat::kOther;
  }
  return ImageFormat::kUnknown;
}

Image decode_image_memory(const uint8_t* data, size_t size, const DecodeOptions& options,
                          const std::string& name_for_errors) {
  const std::string& name = name_for_errors;
  SAM3RT_CHECK(data != nullptr || size == 0, kInvalidArgument, name, ": null image buffer");
  SAM3RT_CHECK(size > 0, kFormat, name, ": empty file, not an image");
  std::string other;
  Image image;
  switch (detect_image_format(data, size, &other)) {
    case ImageFormat::kJpeg: image = detail::decode_jpeg(data, size, options, name); break;
    case ImageFormat::kPng: image = detail::decode_png(data, size, options, name); break;
    case ImageFormat::kOther:
      fail(ErrorCode::kUnsupported, name, ": ", other, " images are not supported; convert it to PNG or JPEG");
    case ImageFormat::kUnknown:
      fail(ErrorCode::kFormat, name, ": not a JPEG or PNG image (unrecognised file signature)");
  }
  if (options.apply_exif_orientation) apply_exif_orientation(image, read_exif_orientation(data, size));
  return image;
}

Image decode_image_file(const std::string& path, const DecodeOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  SAM3RT_CHECK(fs::exists(st), kIo, path, ": image file not found");
  SAM3RT_CHECK(!fs::is_directory(st), kIo, path, ": is a folder, not an image file");
  std::ifstream in(path, std::ios::binary);
  SAM3RT_CHECK(in.good(), kIo, path, ": cannot open the image file for reading (check its permissions)");
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  SAM3RT_CHECK(end >= 0, kIo, path, ": cannot read the image file (not a regular file?)");
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(end));
  if (!bytes.empty()) in.read(reinterpret_cast<char*>(bytes.data()), end);
  SAM3RT_CHECK(in.good() || bytes.empty(), kIo, path, ": error while reading the image file");
  return decode_image_memory(bytes.data(), bytes.size(), options, path);
}

int read_exif_orientation(const uint8_t* data, size_t size) {
  switch (detect_image_format(data, size)) {
    case ImageFormat::kJpeg: return jpeg_orientation(data, size);
    case ImageFormat::kPng: return png_orientation(data, size);
    default: return 1;
  }
}

// ref: PIL ImageOps.exif_transpose — 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270
// (i.e. 90° clockwise), 7 transverse, 8 rotate 90 (counter-clockwise).
void apply_exif_orientation(Image& image, int orientation) {
  if (orientation < 2 || orientation > 8) return;
  const int w = image.width, h = image.height;
  const bool swap = orientation >= 5;
  const int ow = swap ? h : w, oh = swap ? w : h;
  std::vector<uint8_t> out(image.rgb.size());
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      int sx = 0, sy = 0;  // source pixel of output (x, y)
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        case 8: sx = w - 1 - y; sy = x; break;
      }
      std::memcpy(&out[(static_cast<size_t>(y) * ow + x) * 3], &image.rgb[(static_cast<size_t>(sy) * w + sx) * 3], 3);
    }
  }
  image.rgb = std::move(out);
  image.width = ow;
  image.height = oh;
}

// → u8 [3, H, W]
Tensor image_to_chw_tensor(const Image& image) {
  SAM3RT_CHECK(image.width > 0 && image.height > 0 &&
                   image.rgb.size() == static_cast<size_t>(image.width) * image.height * 3,
               kInvalidArgument, "image_to_chw_tensor: image of ", image.width, "x", image.height, " holds ",
               image.rgb.size(), " bytes, expected width*height*3");
  const int64_t hw = static_cast<int64_t>(image.width) * image.height;
  Tensor t = Tensor::empty(Shape{3, image.height, image.width}, DType::kU8);
  uint8_t* dst = t.data<uint8_t>();
  const uint8_t* src = image.rgb.data();
  for (int64_t i = 0; i < hw; ++i) {
    dst[i] = src[i * 3];
    dst[hw + i] = src[i * 3 + 1];
    dst[2 * hw + i] = src[i * 3 + 2];
  }
  return t;
}

}  // namespace sam3rt
