// Image decoding: PIL-exact JPEG pixels, every PNG colour type, EXIF orientation, and bad files.
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "common/test-util.h"
#include "io/image.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;
const std::string kImages = test::data_dir() + "/images";

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Image decode(const std::vector<uint8_t>& bytes, DecodeOptions o = {}) {
  return decode_image_memory(bytes.data(), bytes.size(), o, "test image");
}

// --- PNG writer for arbitrary colour types (test-only) ---------------------------------------
struct PngSpec {
  int width = 0, height = 0, bit_depth = 8, color_type = PNG_COLOR_TYPE_RGB;
  bool interlace = false;
  std::vector<png_color> palette;
  std::vector<uint8_t> trns;
  std::vector<std::vector<uint8_t>> rows;  // packed rows as libpng expects them
};

void png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

std::vector<uint8_t> encode_png(const PngSpec& s) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, png_append, nullptr);
  png_set_IHDR(png, info, s.width, s.height, s.bit_depth, s.color_type,
               s.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!s.palette.empty()) png_set_PLTE(png, info, s.palette.data(), static_cast<int>(s.palette.size()));
  if (!s.trns.empty()) png_set_tRNS(png, info, s.trns.data(), static_cast<int>(s.trns.size()), nullptr);
  png_write_info(png, info);
  std::vector<png_bytep> rows;
  for (const auto& r : s.rows) rows.push_back(const_cast<png_bytep>(r.data()));
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

TEST(ImageDecode, FixturePngs) {
  for (auto [name, w, h] : {std::tuple{"scene_13x9.png", 13, 9}, std::tuple{"scene_200x150.png", 200, 150},
                            std::tuple{"scene_168x168.png", 168, 168}}) {
    const Image im = decode_image_file(test::data_dir() + "/sam3-tiny/images/" + name);
    EXPECT_EQ(im.width, w);
    EXPECT_EQ(im.height, h);
    EXPECT_EQ(im.rgb.size(), static_cast<size_t>(w) * h * 3);
  }
}

TEST(ImageDecode, JpegPixelsEqualPil) {
  for (const char* name : {"photo_48x32", "photo_48x32_444", "progressive_48x32", "gray_48x32", "cmyk_48x32",
                           "exif6_48x32"}) {
    const Image got = decode_image_file(kImages + "/" + name + ".jpg");
    const Image want = decode_image_file(kImages + "/" + name + ".pil.png");
    ASSERT_EQ(got.width, want.width) << name;
    ASSERT_EQ(got.height, want.height) << name;
    int max_diff = 0;
    for (size_t i = 0; i < got.rgb.size(); ++i) max_diff = std::max(max_diff, std::abs(got.rgb[i] - want.rgb[i]));
    // CMYK→RGB goes through PIL's integer formula; everything else is libjpeg's own output.
    EXPECT_EQ(max_diff, 0) << name;
  }
}

TEST(ImageDecode, ExifOrientationOnlyWhenAsked) {
  const std::string path = kImages + "/exif6_48x32.jpg";
  const std::vector<uint8_t> bytes = read_bytes(path);
  EXPECT_EQ(read_exif_orientation(bytes.data(), bytes.size()), 6);
  const Image stored = decode_image_file(path);
  EXPECT_EQ(stored.width, 48);  // the reference does not rotate
  DecodeOptions o;
  o.apply_exif_orientation = true;
  const Image upright = decode_image_file(path, o);
  const Image want = decode_image_file(kImages + "/exif6_48x32.upright.pil.png");
  ASSERT_EQ(upright.width, 32);
  ASSERT_EQ(upright.height, 48);
  EXPECT_EQ(upright.rgb, want.rgb);
  const std::vector<uint8_t> plain = read_bytes(kImages + "/photo_48x32.jpg");
  EXPECT_EQ(read_exif_orientation(plain.data(), plain.size()), 1);
}

TEST(ImageDecode, ExifOrientationTransforms) {
  // 3×2 image with pixel value = its index; each orientation against its definition.
  Image base{3, 2, {}};
  for (int i = 0; i < 6; ++i) base.rgb.insert(base.rgb.end(), {uint8_t(i), uint8_t(i), uint8_t(i)});
  auto values = [](const Image& im) {
    std::vector<int> v;
    for (size_t i = 0; i < im.rgb.size(); i += 3) v.push_back(im.rgb[i]);
    return v;
  };
  // source layout: 0 1 2 / 3 4 5
  const std::vector<std::vector<int>> expect = {
      {0, 1, 2, 3, 4, 5}, {2, 1, 0, 5, 4, 3}, {5, 4, 3, 2, 1, 0}, {3, 4, 5, 0, 1, 2},
      {0, 3, 1, 4, 2, 5}, {3, 0, 4, 1, 5, 2}, {5, 2, 4, 1, 3, 0}, {2, 5, 1, 4, 0, 3}};
  for (int o = 1; o <= 8; ++o) {
    Image im = base;
    apply_exif_orientation(im, o);
    EXPECT_EQ(values(im), expect[o - 1]) << "orientation " << o;
    EXPECT_EQ(im.width, o >= 5 ? 2 : 3);
  }
}

TEST(ImageDecode, EveryPngColourType) {
  // gray 1/2/4/8/16 bit
  for (int depth : {1, 2, 4, 8, 16}) {
    PngSpec s{5, 2, depth, PNG_COLOR_TYPE_GRAY};
    const int maxv = (1 << depth) - 1;
    std::vector<int> vals = {0, maxv, maxv / 2, 1 % (maxv + 1), maxv, 0, 1 % (maxv + 1), maxv / 3, maxv, 0};
    for (int y = 0; y < 2; ++y) {
      std::vector<uint8_t> row((5 * depth + 7) / 8, 0);
      for (int x = 0; x < 5; ++x) {
        const int v = vals[y * 5 + x];
        if (depth == 16) {
          row.resize(10);
          row[x * 2] = uint8_t(v >> 8);
          row[x * 2 + 1] = uint8_t(v & 255);
        } else {
          const int bit = x * depth;
          row[bit / 8] |= uint8_t(v << (8 - depth - bit % 8));
        }
      }
      s.rows.push_back(row);
    }
    const Image im = decode(encode_png(s));
    ASSERT_EQ(im.width, 5);
    for (int i = 0; i < 10; ++i) {
      const int v = vals[i];
      // PIL: 16-bit keeps the high byte; 1/2/4-bit scale to 0..255 (v · 255 / max)
      const int want = depth == 16 ? v >> 8 : v * 255 / maxv;
      EXPECT_EQ(im.rgb[i * 3], want) << "depth " << depth << " pixel " << i;
      EXPECT_EQ(im.rgb[i * 3 + 1], want);
      EXPECT_EQ(im.rgb[i * 3 + 2], want);
    }
  }
  // gray + alpha, RGBA, RGB 16-bit, palette with tRNS, interlaced RGB: alpha is dropped.
  {
    PngSpec s{2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA};
    s.rows = {{10, 0, 200, 128}};
    EXPECT_EQ(decode(encode_png(s)).rgb, (std::vector<uint8_t>{10, 10, 10, 200, 200, 200}));
  }
  {
    PngSpec s{2, 1, 8, PNG_COLOR_TYPE_RGBA};
    s.rows = {{1, 2, 3, 0, 4, 5, 6, 255}};
    EXPECT_EQ(decode(encode_png(s)).rgb, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  }
  {
    PngSpec s{1, 1, 16, PNG_COLOR_TYPE_RGB};
    s.rows = {{0x12, 0xFF, 0xAB, 0x01, 0x00, 0x80}};
    EXPECT_EQ(decode(encode_png(s)).rgb, (std::vector<uint8_t>{0x12, 0xAB, 0x00}));
  }
  {
    PngSpec s{3, 1, 8, PNG_COLOR_TYPE_PALETTE};
    s.palette = {{10, 20, 30}, {40, 50, 60}};
    s.trns = {0, 255};
    s.rows = {{1, 0, 1}};
    EXPECT_EQ(decode(encode_png(s)).rgb, (std::vector<uint8_t>{40, 50, 60, 10, 20, 30, 40, 50, 60}));
  }
  {
    PngSpec s{9, 7, 8, PNG_COLOR_TYPE_RGB, true};
    std::vector<uint8_t> want;
    for (int y = 0; y < 7; ++y) {
      std::vector<uint8_t> row;
      for (int x = 0; x < 27; ++x) row.push_back(uint8_t(y * 27 + x));
      want.insert(want.end(), row.begin(), row.end());
      s.rows.push_back(row);
    }
    EXPECT_EQ(decode(encode_png(s)).rgb, want);
  }
}

// --- bad input -------------------------------------------------------------------------------

void expect_error(const std::function<void()>& fn, ErrorCode code, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    for (const std::string& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

// A PNG with only a signature and an IHDR (valid CRC) claiming width × height.
std::vector<uint8_t> png_header_only(uint32_t width, uint32_t height) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (uint32_t v : {width, height}) b.insert(b.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
  b.insert(b.end(), {8, 2, 0, 0, 0});
  const uint32_t crc = crc32(0, b.data() + 12, 17);
  b.insert(b.end(), {uint8_t(crc >> 24), uint8_t(crc >> 16), uint8_t(crc >> 8), uint8_t(crc)});
  return b;
}

// A JPEG whose SOF0 frame header is patched to claim width × height.
std::vector<uint8_t> jpeg_with_size(uint16_t width, uint16_t height) {
  std::vector<uint8_t> b = read_bytes(kImages + "/photo_48x32.jpg");
  for (size_t i = 2; i + 9 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xC0) {
      b[i + 5] = uint8_t(height >> 8);
      b[i + 6] = uint8_t(height);
      b[i + 7] = uint8_t(width >> 8);
      b[i + 8] = uint8_t(width);
      return b;
    }
  ADD_FAILURE() << "no SOF0 marker";
  return b;
}

TEST(ImageDecodeBadInput, TruncatedAndCorruptFiles) {
  const std::vector<uint8_t> jpg = read_bytes(kImages + "/photo_48x32.jpg");
  const std::vector<uint8_t> png = read_bytes(test::data_dir() + "/sam3-tiny/images/scene_96x64.png");
  for (size_t keep : {jpg.size() / 2, size_t{4}, size_t{200}}) {
    const std::vector<uint8_t> cut(jpg.begin(), jpg.begin() + keep);
    expect_error([&] { decode(cut); }, ErrorCode::kFormat, {"test image", "JPEG"});
  }
  std::vector<uint8_t> garbage = jpg;
  for (size_t i = 20; i < 60; ++i) garbage[i] = 0xFF ^ garbage[i];  // breaks the JFIF/DQT segments
  expect_error([&] { decode(garbage); }, ErrorCode::kFormat, {"test image", "JPEG"});
  for (size_t keep : {png.size() / 2, size_t{8}, size_t{30}}) {
    const std::vector<uint8_t> cut(png.begin(), png.begin() + keep);
    expect_error([&] { decode(cut); }, ErrorCode::kFormat, {"test image", "PNG"});
  }
  std::vector<uint8_t> flipped = png;
  flipped[flipped.size() / 2] ^= 0x5A;  // inside IDAT: CRC mismatch
  expect_error([&] { decode(flipped); }, ErrorCode::kFormat, {"test image", "PNG"});
}

TEST(ImageDecodeBadInput, EmptyAndHugeHeaders) {
  expect_error([] { decode(png_header_only(0, 0)); }, ErrorCode::kFormat, {"test image", "PNG"});
  expect_error([] { decode(png_header_only(100000, 100000)); }, ErrorCode::kFormat,
               {"test image", "100000x100000", "limit"});
  expect_error([] { decode(png_header_only(60000, 60000)); }, ErrorCode::kFormat, {"60000x60000", "limit"});
  expect_error([] { decode(jpeg_with_size(60000, 60000)); }, ErrorCode::kFormat, {"test image", "60000x60000", "limit"});
  expect_error([] { decode(jpeg_with_size(48, 0)); }, ErrorCode::kFormat, {"test image", "JPEG"});
  DecodeOptions small;
  small.max_pixels = 100;
  expect_error([&] { decode(read_bytes(kImages + "/photo_48x32.jpg"), small); }, ErrorCode::kFormat, {"48x32"});
}

TEST(ImageDecodeBadInput, UnsupportedFormatsAndPaths) {
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
  expect_error([&] { decode(gif); }, ErrorCode::kUnsupported, {"test image", "GIF", "PNG or JPEG"});
  const std::vector<uint8_t> webp = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '};
  expect_error([&] { decode(webp); }, ErrorCode::kUnsupported, {"WebP"});
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  expect_error([&] { decode(text); }, ErrorCode::kFormat, {"not a JPEG or PNG"});
  expect_error([] { decode({}); }, ErrorCode::kFormat, {"empty"});
  const std::string dir = fs::temp_directory_path() / ("sam3rt-img-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  expect_error([&] { decode_image_file(dir); }, ErrorCode::kIo, {dir, "folder"});
  expect_error([&] { decode_image_file(dir + "/missing.png"); }, ErrorCode::kIo, {dir + "/missing.png", "not found"});
  // Detection is by content, not by extension.
  fs::copy_file(kImages + "/photo_48x32.jpg", dir + "/really-a-jpeg.png");
  EXPECT_EQ(decode_image_file(dir + "/really-a-jpeg.png").width, 48);
  write_bytes(dir + "/empty.jpg", {});
  expect_error([&] { decode_image_file(dir + "/empty.jpg"); }, ErrorCode::kFormat, {dir + "/empty.jpg", "empty"});
  fs::remove_all(dir);
}

TEST(ImageDecode, ChwTensor) {
  const Image im{2, 1, {1, 2, 3, 4, 5, 6}};
  const Tensor t = image_to_chw_tensor(im);
  EXPECT_EQ(t.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

}  // namespace
}  // namespace sam3rt
