// Cost of a click on an encoded image against the cost of encoding it, at the released size with
// seeded random weights (no download): medians of --runs runs, the image encoding (preprocess +
// backbone) beside the click's stages (tracker features on the first click only, then decoder and
// post-processing on every click).
//   bench_click [--device cpu|cuda] [--runs N] [--width W --height H] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/thread-pool.h"
#include "io/random-weights.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"

using namespace sam3rt;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu";
  int runs = 5, width = 1280, height = 720, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--device") device = argv[i + 1];
    else if (a == "--runs") runs = std::atoi(argv[i + 1]);
    else if (a == "--width") width = std::atoi(argv[i + 1]);
    else if (a == "--height") height = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
  }
  if (threads > 0) set_num_threads(threads);
  auto loaded = std::make_shared<LoadedModel>();
  loaded->config = Sam3Config::released();
  loaded->weights = random_weights(loaded->config, 0);
  loaded->path = "random";
  auto model = std::make_shared<const Sam3ImageModel>(loaded, select_device(device));
  pipeline::ImageSession session(model, nullptr);
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);

  pipeline::ClickPrompt one;
  one.points = {{width * 0.4f, height * 0.5f, 1}};
  pipeline::ClickPrompt refine = one;
  refine.points.push_back({width * 0.1f, height * 0.1f, 0});
  refine.multimask = false;
  std::map<std::string, std::vector<double>> t;
  for (int r = 0; r < runs + 1; ++r) {  // run 0 warms up (allocator, cuBLAS, page faults)
    session.set_image(image);
    double encode = 0;
    for (const auto& [stage, ms] : session.image_timings()) encode += ms;
    pipeline::ClickResult first = session.click(one);
    refine.mask_input = first.low_res_logits.select(0, 0);
    auto t0 = std::chrono::steady_clock::now();
    pipeline::ClickResult second = session.click(refine);
    const double click_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r == 0) continue;
    t["image encoding"].push_back(encode);
    for (const auto& [stage, ms] : first.timings)
      if (stage == "tracker_features") t["tracker features (first click)"].push_back(ms);
    for (const auto& [stage, ms] : second.timings) t["click: " + stage].push_back(ms);
    t["click: total (2 points + mask input)"].push_back(click_ms);
  }
  std::printf("device %s, %dx%d image, released size (random weights), medians of %d runs:\n", device.c_str(), width,
              height, runs);
  for (const auto& [name, v] : t) std::printf("  %-40s %9.2f ms\n", name.c_str(), median(v));
  const double ratio = median(t["click: total (2 points + mask input)"]) / median(t["image encoding"]);
  std::printf("  click / image encoding = %.4f\n", ratio);
  return 0;
}
