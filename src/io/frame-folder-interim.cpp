// Interim frame source for the video-session branch until branch video-io (the real
// io::open_frame_source: folders, single images and FFmpeg video files) is merged: folders of
// .jpg/.jpeg/.png frames and single images only. Same interface and ordering rule; replaced, not
// extended, by the merge.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "io/image.h"
#include "io/video-source.h"

namespace fs = std::filesystem;

namespace sam3rt::io {

FrameSource::~FrameSource() = default;

namespace {

bool is_frame_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 19 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

class ImageListSource : public FrameSource {
 public:
  explicit ImageListSource(std::vector<std::string> paths, const std::string& kind)
      : paths_(std::move(paths)) {
    const Image first = decode_image_file(paths_.front());
    info_.width = first.width;
    info_.height = first.height;
    info_.frame_count = static_cast<int64_t>(paths_.size());
    info_.kind = kind;
  }
  const VideoInfo& info() const override { return info_; }
  Tensor frame(int64_t index) override {
    SAM3RT_CHECK(index >= 0 && index < info_.frame_count, kInvalidArgument, "frame ", index,
                 " is outside the video (0..", info_.frame_count - 1, ")");
    const Image image = decode_image_file(paths_[static_cast<size_t>(index)]);
    SAM3RT_CHECK(image.width == info_.width && image.height == info_.height, kFormat, "frame '",
                 paths_[static_cast<size_t>(index)], "' is ", image.width, "x", image.height,
                 ", the first frame ", info_.width, "x", info_.height,
                 "; every frame of a video must have the same size");
    return image_to_chw_tensor(image);
  }

 private:
  std::vector<std::string> paths_;
  VideoInfo info_;
};

}  // namespace

// ref: sam3/model/io_utils.py load_video_frames_from_image_folder (integer stems sort numerically)
std::unique_ptr<FrameSource> open_frame_source(const std::string& path) {
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(path, ec), kIo, "video '", path, "' does not exist");
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_frame_file(e.path())) files.push_back(e.path());
    SAM3RT_CHECK(!ec, kIo, "cannot read folder '", path, "': ", ec.message());
    SAM3RT_CHECK(!files.empty(), kInvalidArgument, "folder '", path,
                 "' holds no .jpg/.jpeg/.png frames; give a folder of frames or a video file");
    const bool numeric = std::all_of(files.begin(), files.end(),
                                     [](const fs::path& p) { return all_digits(p.stem().string()); });
    std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) {
      if (numeric) return std::stoll(a.stem().string()) < std::stoll(b.stem().string());
      return a.filename().string() < b.filename().string();
    });
    std::vector<std::string> paths;
    for (const fs::path& p : files) paths.push_back(p.string());
    return std::make_unique<ImageListSource>(std::move(paths), "folder");
  }
  if (is_frame_file(path)) return std::make_unique<ImageListSource>(std::vector<std::string>{path}, "image");
  fail(ErrorCode::kUnsupported, "video '", path,
       "': this build reads folders of frames and single images only (video files need the FFmpeg frame "
       "source); extract the frames to a folder first");
}

bool video_file_decoding_available() { return false; }

}  // namespace sam3rt::io

// Until video-io is merged this build has no FFmpeg encoder: a VideoWriter refuses to start.
#include "io/video-writer.h"

namespace sam3rt::io {

struct VideoWriter::Impl {
  std::string codec;
};

VideoWriter::VideoWriter(const std::string& path, int, int, double) {
  fail(ErrorCode::kUnsupported, "cannot write video '", path,
       "': this build has no FFmpeg (writing MP4 needs libavcodec/libavformat)");
}
VideoWriter::~VideoWriter() = default;
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;
void VideoWriter::write(const Tensor&) {}
void VideoWriter::finish() {}
const std::string& VideoWriter::codec_name() const { return impl_->codec; }

}  // namespace sam3rt::io
