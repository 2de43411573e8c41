// Writing a video of RGB frames (overlays of tracked masks) as MP4, encoded with libavcodec:
// H.264 through libx264 when the system's libavcodec has it, else FFmpeg's own MPEG-4 Part 2
// encoder (chosen at run time). The container is MP4 whatever the file name says.
//
// YUV 4:2:0 needs an even width and height: an odd width or height is padded by one column or
// row that repeats the last one, so no pixel of the frames is lost (the file is then one pixel
// wider or taller than the frames). Colours are converted with the BT.709 matrix to limited range
// and the stream is tagged so (BT.709 primaries, transfer and matrix, "tv" range).
//
// Atomic like the PNG writer: frames go to "<path>.tmp.<pid>" next to the target, and finish()
// renames it over `path`. A writer destroyed without finish() (an error, an exception, an
// interrupted run) removes the temporary file and leaves no output. Errors are sam3rt::Error with
// one line naming the path: kInvalidArgument (bad size, fps or frame), kIo (cannot write),
// kUnsupported (a build without FFmpeg, no usable encoder).
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"

namespace sam3rt::io {

class VideoWriter {
 public:
  // width, height: of the frames given to write(); fps: frames per second (> 0, e.g. 29.97).
  VideoWriter(const std::string& path, int width, int height, double fps);
  ~VideoWriter();
  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // frame: RGB u8 [3, H, W] on the CPU (any strides), H and W as given to the constructor.
  void write(const Tensor& rgb_u8_3hw);
  // Flushes the encoder, completes the file and moves it into place. At least one frame must have
  // been written. Calling it again does nothing; write() after it is an error.
  void finish();

  // The encoder in use: "libx264" or "mpeg4".
  const std::string& codec_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sam3rt::io
