// Video tracking speed: frames per second of propagation (backbone, tracker neck, memory attention,
// SAM heads, memory encoder, masks to RLE) for K objects clicked on frame 0 of a folder of frames,
// medians of --runs fresh sessions on one loaded model. Prompting and the first frame's encoding
// are outside the timed part, as in bench/official-track-baseline.py, which times the official
// Sam3TrackerPredictor the same way on the same frames and weights.
//   bench_track --model M.sam3rt --video DIR [--device cpu|cuda] [--objects K] [--runs N]
//               [--no-memory-selection] [--profile] [--precision fp32|tf32|tf32x3|bf16]
// --profile: also the per-frame cost of decoding + preprocessing + backbone + tracker neck alone,
// and the op table of one more session (run with CUDA_LAUNCH_BLOCKING=1 so that op times are the
// kernels' own).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/numerics.h"
#include "core/profiler.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "io/video-source.h"
#include "model/sam3-image.h"
#include "model/sam3-tracker.h"
#include "pipeline/preprocess.h"
#include "pipeline/video-session.h"

using namespace sam3rt;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  std::string model_path, video, device = "cpu", precision = "fp32";
  int objects = 1, runs = 3;
  bool selection = true, profile = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--model") model_path = next();
    else if (a == "--video") video = next();
    else if (a == "--device") device = next();
    else if (a == "--objects") objects = std::stoi(next());
    else if (a == "--runs") runs = std::stoi(next());
    else if (a == "--no-memory-selection") selection = false;
    else if (a == "--profile") profile = true;
    else if (a == "--precision")
      precision = next();
  }
  if (model_path.empty() || video.empty()) {
    std::fprintf(stderr, "usage: bench_track --model M --video DIR [--device cpu|cuda] [--objects K] [--runs N]\n");
    return 2;
  }
  try {
    set_matmul_precision(parse_matmul_precision(precision));
    const Device dev = select_device(device);
    auto loaded = std::make_shared<const LoadedModel>(load_model(model_path, LoadOptions{}));
    auto model = std::make_shared<const Sam3ImageModel>(loaded, dev);
    std::vector<double> fps, ms_per_frame;
    int frames = 0;
    for (int r = 0; r < runs; ++r) {
      pipeline::VideoSessionOptions options;
      options.use_memory_selection = selection;
      pipeline::VideoSession session(model, io::open_frame_source(video), options);
      const int W = session.info().width, H = session.info().height;
      // K objects: clicks spread along the frame's diagonal (the same points as the Python baseline).
      for (int k = 0; k < objects; ++k) {
        const float t = (k + 1.f) / (objects + 1.f);
        session.add_points(0, k + 1, {{t * W, t * H, 1}});
      }
      frames = 0;
      const auto t0 = std::chrono::steady_clock::now();
      session.propagate(pipeline::PropagateDirection::kForward, 0, std::nullopt,
                        [&](const pipeline::VideoFrameResult&) { ++frames; });
      synchronize(dev);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fps.push_back(frames / s);
      ms_per_frame.push_back(1000.0 * s / frames);
      std::printf("run %d: %d frames in %.2f s (%.2f frames/s)\n", r, frames, s, frames / s);
    }
    std::printf(
        "sam3rt %s %s: %d frames, %d object(s), memory selection %s: %.2f frames/s (%.1f ms/frame), median "
        "of %d\n",
        device.c_str(), matmul_precision_name(matmul_precision()), frames, objects, selection ? "on" : "off",
        median(fps), median(ms_per_frame), runs);
    if (profile) {
      // Encoding alone: what every tracked frame pays before the tracker's own work.
      const auto source = io::open_frame_source(video);
      const Sam3Tracker tracker(model->config(), model->weights());
      double decode_ms = 0, encode_ms = 0;
      const int n = static_cast<int>(source->info().frame_count);
      for (int f = 0; f < n; ++f) {
        const auto t0 = std::chrono::steady_clock::now();
        const Tensor rgb = source->frame(f);
        Image image;
        image.width = static_cast<int>(rgb.size(2));
        image.height = static_cast<int>(rgb.size(1));
        image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
        for (int64_t y = 0; y < image.height; ++y)
          for (int64_t x = 0; x < image.width; ++x)
            for (int c = 0; c < 3; ++c)
              image.rgb[(y * image.width + x) * 3 + c] = rgb.data<uint8_t>()[(c * image.height + y) * image.width + x];
        const Tensor pixels = preprocess_image(image, model->config().image_size);
        const auto t1 = std::chrono::steady_clock::now();
        tracker.encode_frame(model->encode_image(pixels).trunk);
        synchronize(dev);
        const auto t2 = std::chrono::steady_clock::now();
        decode_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
        encode_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
      }
      std::printf("per frame: decode + preprocess %.1f ms, backbone + tracker neck %.1f ms\n", decode_ms / n,
                  encode_ms / n);
      pipeline::VideoSessionOptions options;
      options.use_memory_selection = selection;
      pipeline::VideoSession session(model, io::open_frame_source(video), options);
      for (int k = 0; k < objects; ++k) {
        const float t = (k + 1.f) / (objects + 1.f);
        session.add_points(0, k + 1, {{t * session.info().width, t * session.info().height, 1}});
      }
      reset_op_profile();
      set_op_profiling(true);
      session.propagate(pipeline::PropagateDirection::kForward, 0, std::nullopt, [](const pipeline::VideoFrameResult&) {});
      synchronize(dev);
      set_op_profiling(false);
      int shown = 0;
      for (const OpProfileRow& row : op_profile()) {
        if (shown++ == 14) break;
        std::printf("  %-32s %6lld calls %9.1f ms\n", row.op, static_cast<long long>(row.calls), row.ms);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_track: %s\n", e.what());
    return 1;
  }
  return 0;
}
