// Time of one call through the public C++ API (sam3rt.hpp), the baseline of the Python binding's
// overhead (bench/python-overhead.py runs this and the same calls from Python, alternating).
//   bench_api_call --model M [--config C] [--tokenizer T] --image I --text "red truck"
//                  [--mode predict|image] [--calls N] [--warmup N] [--threads N]
// predict: one predict on an encoded image per call (text features cached after the first);
// image: set_image(path) + predict per call. Prints {"mode", "calls", "median_us", "us": [...]}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sam3rt/sam3rt.hpp"

int main(int argc, char** argv) {
  std::string model_path, config, tokenizer, image, text = "red truck", mode = "predict";
  int calls = 100, warmup = 5, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--model")
      model_path = v;
    else if (a == "--config")
      config = v;
    else if (a == "--tokenizer")
      tokenizer = v;
    else if (a == "--image")
      image = v;
    else if (a == "--text")
      text = v;
    else if (a == "--mode")
      mode = v;
    else if (a == "--calls")
      calls = std::atoi(v.c_str());
    else if (a == "--warmup")
      warmup = std::atoi(v.c_str());
    else if (a == "--threads")
      threads = std::atoi(v.c_str());
  }
  if (model_path.empty() || image.empty() || (mode != "predict" && mode != "image")) {
    std::fprintf(stderr, "usage: bench_api_call --model M --image I [--mode predict|image] ...\n");
    return 2;
  }
  try {
    sam3rt::ModelOptions options;
    options.device = "cpu";
    options.config_path = config;
    options.tokenizer_path = tokenizer;
    options.n_threads = threads;
    sam3rt::Model model = sam3rt::Model::load(model_path, options);
    sam3rt::ImageSession session(model);
    session.set_image(image);
    const sam3rt::Prompt prompt = sam3rt::Prompt::from_text(text);
    size_t sink = 0;  // keeps the results observable
    std::vector<double> us;
    for (int i = 0; i < warmup + calls; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (mode == "image") session.set_image(image);
      const sam3rt::Result r = session.predict(prompt);
      const auto t1 = std::chrono::steady_clock::now();
      sink += r.instances.size();
      if (i >= warmup) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::vector<double> sorted = us;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{\"mode\": \"%s\", \"calls\": %d, \"instances\": %zu, \"median_us\": %.3f, \"us\": [",
                mode.c_str(), calls, sink, sorted.empty() ? 0.0 : sorted[sorted.size() / 2]);
    for (size_t i = 0; i < us.size(); ++i) std::printf("%s%.3f", i ? ", " : "", us[i]);
    std::printf("]}\n");
  } catch (const sam3rt::ApiError& e) {
    std::fprintf(stderr, "bench_api_call: %s\n", e.what());
    return 1;
  }
  return 0;
}
