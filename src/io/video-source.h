// Frame sources for video tracking: a folder of JPEG/PNG frames, one image file, or a video file
// decoded through FFmpeg. Every source decodes on demand, one frame at a time, so a long video
// never sits in memory (the official loaders read every frame up front).
//
// Frame order of a folder is the official loader's (ref: sam3/model/io_utils.py
// load_video_frames_from_image_folder): by the integer value of the file stem when every stem is
// an integer ("2.jpg" before "10.jpg"), otherwise lexicographic by file name. docs/video.md has
// the details (colour conversion, what differs from the reference's loaders).
//
// Errors are sam3rt::Error with one line naming the file or folder: kIo (missing, unreadable),
// kFormat (not a video, corrupt, truncated, frames of different sizes), kInvalidArgument (an
// empty folder, a frame index out of range), kUnsupported (a video file in a build without
// FFmpeg, frames in a format sam3rt does not decode).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/tensor.h"
#include "io/image.h"

namespace sam3rt::io {

struct VideoInfo {
  int width = 0, height = 0;  // of every frame
  int64_t frame_count = 0;    // exact: the number of frames frame() can return
  double fps = 0;             // nominal frame rate; 0 when unknown (always 0 for folders)
  // "folder", "image", or for video files "<codec> (<container>)", e.g. "h264 (mov,mp4,...)".
  std::string kind;
};

class FrameSource {
 public:
  virtual ~FrameSource();
  virtual const VideoInfo& info() const = 0;
  // Frame `index` (0-based, presentation order) as an RGB u8 Tensor [3, H, W] on the CPU. Decoded
  // on demand: no source keeps more than a few frames in memory. Reading forward is cheapest; any
  // order gives the same pixels for the same index. Throws kInvalidArgument for an index out of
  // range, kFormat/kIo for bad data. Not thread-safe: one source per thread.
  virtual Tensor frame(int64_t index) = 0;
};

// A folder of .jpg/.jpeg/.png frames (extensions case-insensitive; other files are ignored), one
// .jpg/.jpeg/.png image (a one-frame video, as the reference's load_image_as_single_frame_video),
// or a video file (.mp4 .mov .mkv .webm .avi, and whatever else FFmpeg opens). Opening a video
// file decodes it once to count its frames exactly and index their timestamps.
std::unique_ptr<FrameSource> open_frame_source(const std::string& path);

// A frame (RGB u8 [3, H, W], any device) as the interleaved Image the preprocessing takes ([H, W, 3]).
Image frame_to_image(const Tensor& chw);

// False when this build has no FFmpeg (SAM3RT_FFMPEG=OFF or the libraries were not found):
// folders and images still work, video files throw kUnsupported.
bool video_file_decoding_available();

}  // namespace sam3rt::io
