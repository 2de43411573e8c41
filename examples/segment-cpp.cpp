// Segment several concepts in an image with the sam3rt C++ API: the image is encoded once and
// every prompt reuses it.
//
//   segment-cpp MODEL IMAGE TEXT [TEXT...] [--config CONFIG --tokenizer TOKENIZER]
#include <cstdio>
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
  if (positional.size() < 3) {
    std::fprintf(stderr, "usage: %s MODEL IMAGE TEXT [TEXT...] [--config C --tokenizer T]\n", argv[0]);
    return 2;
  }
  try {
    sam3rt::Model model = sam3rt::Model::load(positional[0], options);
    sam3rt::ImageSession session(model);
    session.set_image(positional[1]);
    std::printf("%s: %dx%d on %s\n", positional[1].c_str(), session.width(), session.height(),
                model.device().c_str());
    for (size_t p = 2; p < positional.size(); ++p) {
      sam3rt::Result r = session.predict(sam3rt::Prompt::from_text(positional[p]));
      std::printf("\"%s\": %zu instance(s), presence %.3f\n", positional[p].c_str(), r.instances.size(),
                  r.presence);
      for (const sam3rt::Instance& inst : r.instances)
        std::printf("  score %.3f  box %.1f %.1f %.1f %.1f\n", inst.score, inst.box_xyxy[0], inst.box_xyxy[1],
                    inst.box_xyxy[2], inst.box_xyxy[3]);
    }
    std::printf("image encoder runs: %d\n", session.backbone_runs());
  } catch (const sam3rt::ApiError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
