// open_frame_source: folders of frames and single images here (decoded with the image path's
// decoders, so a frame's pixels equal what `sam3rt segment` sees for the same file); video files
// go to FFmpeg through io/video-file.h.
#include "io/video-source.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "core/error.h"
#include "io/image.h"
#include "io/video-file.h"

namespace sam3rt::io {

FrameSource::~FrameSource() = default;

bool video_file_decoding_available() { return detail::ffmpeg_built(); }

namespace {

namespace fs = std::filesystem;

// Python's os.path.splitext: the extension starts at the last dot of the name, unless every dot
// before it is leading (".5.jpg" has the stem ".5"; ".jpg" is a stem with no extension).
std::pair<std::string, std::string> split_ext(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.find_first_not_of('.') >= dot) return {name, ""};
  return {name.substr(0, dot), name.substr(dot)};
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_frame_extension(const std::string& ext_lower) {
  return ext_lower == ".jpg" || ext_lower == ".jpeg" || ext_lower == ".png";
}

// The other image extensions the reference's folder loader takes as frames (io_utils.py
// IMAGE_EXTS); sam3rt's image decoders read only JPEG and PNG.
bool is_other_reference_image_extension(const std::string& ext_lower) {
  return ext_lower == ".bmp" || ext_lower == ".tiff" || ext_lower == ".webp";
}

// An integer stem as Python's int() reads it, restricted to ASCII: optional sign, then digits.
// Held as (negative, digits without leading zeros) so that any length compares correctly.
struct IntegerStem {
  bool negative = false;
  std::string digits;
};

bool parse_integer_stem(const std::string& stem, IntegerStem* out) {
  size_t i = 0;
  bool negative = false;
  if (i < stem.size() && (stem[i] == '+' || stem[i] == '-')) negative = stem[i++] == '-';
  if (i == stem.size()) return false;
  for (size_t k = i; k < stem.size(); ++k)
    if (stem[k] < '0' || stem[k] > '9') return false;
  std::string digits = stem.substr(std::min(stem.find_first_not_of('0', i), stem.size()));
  out->negative = negative && !digits.empty();  // "-0" is 0
  out->digits = std::move(digits);
  return true;
}

bool integer_less(const IntegerStem& a, const IntegerStem& b) {
  if (a.negative != b.negative) return a.negative;
  const bool magnitude_less =
      a.digits.size() != b.digits.size() ? a.digits.size() < b.digits.size() : a.digits < b.digits;
  const bool magnitude_equal = a.digits == b.digits;
  if (magnitude_equal) return false;
  return a.negative ? !magnitude_less : magnitude_less;
}

// The frames of a folder in the reference's order (ref: sam3/model/io_utils.py
// load_video_frames_from_image_folder): by int(stem) when every stem is an integer, otherwise
// lexicographic. Byte order of UTF-8 names is code-point order, which is how Python compares
// str. Equal integers ("1.jpg", "01.png") are ordered by name, where Python keeps the order of
// os.listdir (unspecified).
std::vector<std::string> list_frames(const std::string& folder) {
  std::vector<std::string> names;
  std::string other_example;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  SAM3RT_CHECK(!ec, kIo, folder, ": cannot list the folder (", ec.message(), ")");
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    SAM3RT_CHECK(!ec, kIo, folder, ": cannot list the folder (", ec.message(), ")");
    const std::string name = it->path().filename().string();
    const std::string ext = lower(split_ext(name).second);
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;  // follows symbolic links, as Python's loader would
    if (is_frame_extension(ext))
      names.push_back(name);
    else if (is_other_reference_image_extension(ext) && other_example.empty())
      other_example = name;
  }
  // The reference would take those files as frames too: skipping them would change the frame
  // numbering, so refuse instead.
  SAM3RT_CHECK(other_example.empty(), kUnsupported, folder, ": holds ", other_example,
               ", a frame format sam3rt does not decode (frames must be .jpg, .jpeg or .png); convert "
               "the frames to JPEG or PNG");
  SAM3RT_CHECK(!names.empty(), kInvalidArgument, folder,
               ": no frames in this folder (expected .jpg, .jpeg or .png files named by frame number)");

  std::vector<IntegerStem> keys(names.size());
  bool all_integers = true;
  for (size_t i = 0; i < names.size() && all_integers; ++i)
    all_integers = parse_integer_stem(split_ext(names[i]).first, &keys[i]);
  std::vector<size_t> order(names.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (all_integers) {
      if (integer_less(keys[a], keys[b])) return true;
      if (integer_less(keys[b], keys[a])) return false;
    }
    return names[a] < names[b];
  });
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (size_t i : order) paths.push_back((fs::path(folder) / names[i]).string());
  return paths;
}

// Frames from image files, one decoded at a time. The first frame is decoded at open (its size is
// the video's); the others are checked against it when they are decoded.
class ImageFilesSource final : public FrameSource {
 public:
  // name: the folder or the image file, for errors.
  ImageFilesSource(std::string name, std::vector<std::string> paths, std::string kind)
      : name_(std::move(name)), paths_(std::move(paths)) {
    const Image first = decode(0);
    info_.width = first.width;
    info_.height = first.height;
    info_.frame_count = static_cast<int64_t>(paths_.size());
    info_.kind = std::move(kind);
  }

  const VideoInfo& info() const override { return info_; }

  Tensor frame(int64_t index) override {
    SAM3RT_CHECK(index >= 0 && index < info_.frame_count, kInvalidArgument, name_, ": frame ", index,
                 " is out of range: the video has ", info_.frame_count, " frames (0..", info_.frame_count - 1,
                 ")");
    const Image image = decode(index);
    SAM3RT_CHECK(image.width == info_.width && image.height == info_.height, kFormat, paths_[index],
                 ": frame ", index, " is ", image.width, "x", image.height, " pixels but the first frame (",
                 paths_[0], ") is ", info_.width, "x", info_.height,
                 "; every frame of a video must have the same size");
    return image_to_chw_tensor(image);
  }

 private:
  // No EXIF orientation, as the image path's default and the reference (PIL's open + convert).
  Image decode(int64_t index) const { return decode_image_file(paths_[static_cast<size_t>(index)]); }

  std::string name_;
  std::vector<std::string> paths_;
  VideoInfo info_;
};

}  // namespace

std::unique_ptr<FrameSource> open_frame_source(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  SAM3RT_CHECK(fs::exists(st), kIo, path,
               ": no such file or folder (expected a video file or a folder of frames)");
  if (fs::is_directory(st)) return std::make_unique<ImageFilesSource>(path, list_frames(path), "folder");
  // One image is a one-frame video (ref: io_utils.py load_resource_as_video_frames).
  if (is_frame_extension(lower(split_ext(fs::path(path).filename().string()).second)))
    return std::make_unique<ImageFilesSource>(path, std::vector<std::string>{path}, "image");
  return detail::open_video_file(path);
}

Image frame_to_image(const Tensor& chw) {
  const Tensor t = chw.to(Device::cpu()).contiguous();
  SAM3RT_ASSERT(t.dtype() == DType::kU8 && t.dim() == 3 && t.size(0) == 3, "frames are RGB u8 [3, H, W]");
  Image image;
  image.height = static_cast<int>(t.size(1));
  image.width = static_cast<int>(t.size(2));
  const size_t plane = static_cast<size_t>(image.width) * image.height;
  image.rgb.resize(plane * 3);
  const uint8_t* src = t.data<uint8_t>();
  for (size_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c) image.rgb[p * 3 + c] = src[c * plane + p];
  return image;
}

}  // namespace sam3rt::io
