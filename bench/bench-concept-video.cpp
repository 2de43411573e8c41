// Concept tracking speed (issue 14): frames per second of sam3rt's concept video session — a text
// on frame 0 of a folder of frames, then forward propagation (detector + tracker on every frame,
// association, hotstart, memory updates, masks to RLE) — medians of --runs fresh sessions on one
// loaded model. Timed: add_prompt + the whole propagation, as bench/official-concept-video-baseline.py
// times the official Sam3VideoPredictor on the same frames, weights, text and thresholds (the
// official session's up-front loading of every frame is outside its timed part; sam3rt decodes
// frames inside its timed part).
//   bench_concept_video --model M.sam3rt --video DIR [--text T] [--device cpu|cuda] [--runs N]
//                       [--precision fp32|tf32|bf16] [--option NAME=VALUE]...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::string model_path, video, device = "cpu", text = "a person", precision = "fp32";
  int runs = 3;
  sam3rt::ConceptOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--model") model_path = next();
    else if (a == "--video") video = next();
    else if (a == "--text") text = next();
    else if (a == "--device") device = next();
    else if (a == "--runs") runs = std::stoi(next());
    else if (a == "--precision") precision = next();
    else if (a == "--option") {
      const std::string kv = next();
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "bench_concept_video: --option wants NAME=VALUE, got '%s'\n", kv.c_str());
        return 2;
      }
      options.emplace_back(kv.substr(0, eq), std::stod(kv.substr(eq + 1)));
    }
  }
  if (model_path.empty() || video.empty()) {
    std::fprintf(stderr,
                 "usage: bench_concept_video --model M --video DIR [--text T] [--device cpu|cuda] [--runs N] "
                 "[--precision P] [--option NAME=VALUE]...\n");
    return 2;
  }
  try {
    sam3rt::set_precision(precision);
    sam3rt::ModelOptions mo;
    mo.device = device;
    const sam3rt::Model model = sam3rt::Model::load(model_path, mo);
    std::vector<double> fps, ms_per_frame;
    int frames = 0;
    for (int r = 0; r < runs; ++r) {
      sam3rt::ConceptSession session(model, video, options);
      std::set<int> ids;
      frames = 0;
      const auto t0 = std::chrono::steady_clock::now();
      session.add_prompt(0, text);
      session.propagate(sam3rt::Direction::kForward, 0, -1, [&](const sam3rt::ConceptFrame& f) {
        ++frames;
        for (const auto& o : f.objects) ids.insert(o.id);
      });
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fps.push_back(frames / s);
      ms_per_frame.push_back(1000.0 * s / frames);
      std::printf("run %d: %d frames in %.2f s (%.2f frames/s), %zu object ids\n", r, frames, s, frames / s,
                  ids.size());
    }
    std::printf("sam3rt %s %s concept video: %d frames, text '%s': %.2f frames/s (%.1f ms/frame), median of %d\n",
                device.c_str(), precision.c_str(), frames, text.c_str(), median(fps), median(ms_per_frame), runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_concept_video: %s\n", e.what());
    return 1;
  }
  return 0;
}
