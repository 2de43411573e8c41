// Private to src/io: the one seam between the frame sources and FFmpeg. CMake compiles either the
// FFmpeg implementation (ffmpeg-frame-source.cpp, ffmpeg-video-writer.cpp) or the stub
// (video-without-ffmpeg.cpp), so no other file needs an #ifdef.
#pragma once

#include <memory>
#include <string>

#include "io/video-source.h"

namespace sam3rt::io::detail {

bool ffmpeg_built();
// A video file through FFmpeg; the stub throws kUnsupported saying how to get video decoding.
std::unique_ptr<FrameSource> open_video_file(const std::string& path);

}  // namespace sam3rt::io::detail
