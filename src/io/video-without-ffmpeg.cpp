// The video half of src/io in a build without FFmpeg (SAM3RT_FFMPEG=OFF, or the libraries were
// not found): folders of frames still work (video-source.cpp); video files and the video writer
// say how to get them.
#include "core/error.h"
#include "io/video-file.h"
#include "io/video-writer.h"

namespace sam3rt::io {
namespace {

constexpr const char* kHowToGetVideo =
    "this build has no video decoding (FFmpeg); rebuild with libavformat-dev, libavcodec-dev, libswscale-dev "
    "and "
    "libavutil-dev installed (scripts/install-deps.sh), or pass a folder of frames";

}  // namespace

namespace detail {

bool ffmpeg_built() { return false; }

std::unique_ptr<FrameSource> open_video_file(const std::string& path) {
  fail(ErrorCode::kUnsupported, path, ": ", kHowToGetVideo);
}

}  // namespace detail

struct VideoWriter::Impl {
  std::string codec;
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps) {
  fail(ErrorCode::kUnsupported, path,
       ": this build has no video encoding (FFmpeg); rebuild with libavformat-dev, libavcodec-dev, "
       "libswscale-dev and libavutil-dev installed (scripts/install-deps.sh), or write PNG frames");
}
VideoWriter::~VideoWriter() = default;
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;
void VideoWriter::write(const Tensor&) { fail(ErrorCode::kUnsupported, "VideoWriter: ", kHowToGetVideo); }
void VideoWriter::finish() { fail(ErrorCode::kUnsupported, "VideoWriter: ", kHowToGetVideo); }
const std::string& VideoWriter::codec_name() const {
  static const std::string none;
  return none;
}

}  // namespace sam3rt::io
