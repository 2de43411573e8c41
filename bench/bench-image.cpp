// Image + one text prompt at the released size with seeded random weights (no download): per-stage
// times (each stage ends with a device synchronisation, so they are the device's) and images/s
// for each --precision, medians of --runs runs after one warm-up. Each run is a further image on a
// warm session (the text features are cached after the first prompt, as in a batch of images).
//   bench_image --tokenizer bpe_simple_vocab_16e6.txt.gz [--device cuda] [--runs N] [--size S]
//               [--precisions fp32,tf32,bf16] [--text "a cat"] [--profile 1]
// --profile 1 adds one run per precision with the op profiler on (core/profiler.h) and prints the
// ops by wall time; run it under CUDA_LAUNCH_BLOCKING=1 so that an op's time is its kernels'.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/numerics.h"
#include "core/profiler.h"
#include "io/random-weights.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"
#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::string device = "cuda", tokenizer_path, precisions = "fp32,tf32,bf16", text = "a cat";
  int runs = 5, size = 1008;
  bool profile = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--device")
      device = argv[i + 1];
    else if (a == "--runs")
      runs = std::atoi(argv[i + 1]);
    else if (a == "--size")
      size = std::atoi(argv[i + 1]);
    else if (a == "--tokenizer")
      tokenizer_path = argv[i + 1];
    else if (a == "--precisions")
      precisions = argv[i + 1];
    else if (a == "--text")
      text = argv[i + 1];
    else if (a == "--profile")
      profile = std::atoi(argv[i + 1]) != 0;
  }
  if (tokenizer_path.empty()) {
    std::fprintf(stderr, "bench_image: pass --tokenizer bpe_simple_vocab_16e6.txt.gz (the CLIP merges)\n");
    return 2;
  }
  try {
    auto loaded = std::make_shared<LoadedModel>();
    loaded->config = Sam3Config::released();
    loaded->weights = random_weights(loaded->config, 0);
    loaded->path = "random";
    const auto t_upload = std::chrono::steady_clock::now();
    auto model = std::make_shared<const Sam3ImageModel>(loaded, select_device(device));
    const double upload_ms = ms_since(t_upload);
    auto tokenizer =
        std::make_shared<const ClipTokenizer>(load_bpe_merges(tokenizer_path), loaded->config.bpe_merges);
    Image image;
    image.width = size;
    image.height = size;
    image.rgb.resize(static_cast<size_t>(size) * size * 3);
    for (size_t i = 0; i < image.rgb.size(); ++i)
      image.rgb[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);
    pipeline::Prompt prompt;
    prompt.text = text;
    prompt.threshold = 0.5f;

    std::printf(
        "device %s, %dx%d image + text '%s', released size (random weights, upload %.0f ms), medians of %d "
        "runs after a warm-up:\n",
        device.c_str(), size, size, text.c_str(), upload_ms, runs);
    std::stringstream names(precisions);
    for (std::string name; std::getline(names, name, ',');) {
      const MatmulPrecision p = parse_matmul_precision(name);
      check_precision_supported(model->device(), p);
      const ScopedNumerics numerics(p);
      pipeline::ImageSession session(model, tokenizer);
      std::map<std::string, std::vector<double>> t;
      std::vector<std::string> order;
      for (int r = 0; r < runs + 1; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        session.set_image(image);
        const pipeline::Result res = session.predict(prompt);
        const double total = ms_since(t0);
        if (r == 0) continue;  // warm-up: allocator, cuBLAS heuristics, the text encoder's first run
        for (const auto& [stage, ms] : session.image_timings()) {
          if (!t.count(stage)) order.push_back(stage);
          t[stage].push_back(ms);
        }
        for (const auto& [stage, ms] : res.timings) {
          if (!t.count(stage)) order.push_back(stage);
          t[stage].push_back(ms);
        }
        t["total"].push_back(total);
      }
      std::printf("  %-5s", name.c_str());
      for (const std::string& stage : order) std::printf("  %s %.2f", stage.c_str(), median(t[stage]));
      const double total = median(t["total"]);
      std::printf("  | total %.2f ms, %.2f images/s\n", total, 1000.0 / total);
      if (profile) {
        reset_op_profile();
        set_op_profiling(true);
        const auto t0 = std::chrono::steady_clock::now();
        session.set_image(image);
        session.predict(prompt);
        const double ms = ms_since(t0);
        set_op_profiling(false);
        double in_ops = 0;
        int64_t calls = 0;
        for (const OpProfileRow& r : op_profile()) {
          in_ops += r.ms;
          calls += r.calls;
        }
        std::printf("    op profile (%s): %.2f ms in %lld op calls of %.2f ms\n", name.c_str(), in_ops,
                    static_cast<long long>(calls), ms);
        for (const OpProfileRow& r : op_profile())
          if (r.ms >= 0.2)
            std::printf("      %-28s %6lld calls %8.2f ms\n", r.op, static_cast<long long>(r.calls), r.ms);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_image: %s\n", e.what());
    return 1;
  }
  return 0;
}
