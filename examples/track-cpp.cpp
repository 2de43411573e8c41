// Track one object through a video with the sam3rt C++ API: a click on one frame, propagated in
// both directions; prints each frame's score and box as it is computed.
//
//   track-cpp MODEL VIDEO FRAME X Y [--config CONFIG --tokenizer TOKENIZER]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

int main(int argc, char** argv) {
  sam3rt::ModelOptions options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc)
      options.config_path = argv[++i];
    else if (a == "--tokenizer" && i + 1 < argc)
      options.tokenizer_path = argv[++i];
    else
      positional.push_back(a);
  }
  if (positional.size() != 5) {
    std::fprintf(stderr, "usage: %s MODEL VIDEO FRAME X Y [--config C --tokenizer T]\n", argv[0]);
    return 2;
  }
  try {
    const sam3rt::Model model = sam3rt::Model::load(positional[0], options);
    sam3rt::VideoSession video(model, positional[1]);
    const int frame = std::atoi(positional[2].c_str());
    video.add_points(frame, /*obj_id=*/1, {{std::stof(positional[3]), std::stof(positional[4]), 1}});
    int frames = 0;
    video.propagate(sam3rt::Direction::kBoth, -1, -1, [&](const sam3rt::VideoFrame& f) {
      const sam3rt::VideoObject& o = f.objects[0];
      std::printf("frame %d: score %.3f box %.0f %.0f %.0f %.0f\n", f.frame, o.score, o.box_xyxy[0],
                  o.box_xyxy[1], o.box_xyxy[2], o.box_xyxy[3]);
      ++frames;
    });
    std::printf("tracked %d of %d frames\n", frames, video.frame_count());
  } catch (const sam3rt::ApiError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
