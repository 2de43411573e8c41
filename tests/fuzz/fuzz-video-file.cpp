// Video files of arbitrary bytes through the frame source (FFmpeg demuxing/decoding behind
// io::open_frame_source, its frame-counting pass, keyframe seeks and the RGB conversion): either a
// clean sam3rt::Error or frames of the announced size, never a crash or a hang. The bytes are
// written to a temporary file because FFmpeg opens paths; a build without FFmpeg refuses every
// input with kUnsupported.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/error.h"
#include "fuzz/fuzz-target.h"
#include "io/video-source.h"

SAM3RT_FUZZ_TARGET(video_file) {
  const std::string path = "/tmp/sam3rt-fuzz-video-" + std::to_string(::getpid()) + ".mp4";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return;
  }
  sam3rt::fuzz::run_guarded("video_file", [&] {
    auto source = sam3rt::io::open_frame_source(path);
    const sam3rt::io::VideoInfo& info = source->info();
    SAM3RT_CHECK(info.frame_count > 0 && info.width > 0 && info.height > 0, kInternal,
                 "an opened video must have frames and a size");
    // First, last, middle, first again: the forward path, a seek back and a reopen-or-seek.
    const int64_t n = info.frame_count;
    for (int64_t i : {int64_t{0}, n - 1, n / 2, int64_t{0}}) {
      const sam3rt::Tensor rgb = source->frame(i);
      SAM3RT_CHECK(rgb.dim() == 3 && rgb.size(0) == 3 && rgb.size(1) == info.height && rgb.size(2) == info.width,
                   kInternal, "frame ", i, " has shape ", rgb.shape().str());
    }
  });
  std::remove(path.c_str());
}
