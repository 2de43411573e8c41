// sam3rt bench: times one image + text prompts through the image model, stage by stage, on the
// released architecture with seeded random weights (no download) or on a real model (-m), and
// sets each stage's achieved GFLOP/s beside a bare GEMM measured in the same run (BLAS sgemm, and
// the bf16 GEMM under --precision bf16) of the ViT MLP's shape.
//
//   sam3rt bench                                   released size, random weights, 1280x720, 1 prompt
//   sam3rt bench --precision bf16 --threads 4 --runs 5 --json
//   sam3rt bench -m sam3.sam3rt --prompts 3
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "backend/backend.h"
#include "backend/cpu/bf16-gemm.h"
#include "core/blas.h"
#include "core/context.h"
#include "core/error.h"
#include "core/profiler.h"
#include "core/thread-pool.h"
#include "io/image.h"
#include "io/model-loader.h"
#include "io/random-weights.h"
#include "model/sam3-image.h"
#include "pipeline/postprocess.h"
#include "pipeline/preprocess.h"
#include "text/clip-tokenizer.h"
#include "tools/sam3rt/commands.h"

namespace sam3rt::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string model, config, device = "cpu", precision = "fp32", image = "1280x720";
  int prompts = 1, threads = 0, warmup = 1, runs = 3;
  uint64_t seed = 1234;
  bool json = false;
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double peak_rss_mib() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux: KiB
}

Sam3Config config_from_file(const std::string& path) {
  std::ifstream is(path);
  SAM3RT_CHECK(is.good(), kIo, path, ": cannot open the model configuration");
  try {
    return Sam3Config::from_json(nlohmann::json::parse(is));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kFormat, path, ": the model configuration is not valid JSON (", e.what(), ")");
  } catch (const Error& e) {
    fail(e.code(), path, ": ", e.what());
  }
}

// A deterministic photo-like test image (smooth gradients plus noise).
Image synthetic_image(int width, int height, uint64_t seed) {
  Image im;
  im.width = width;
  im.height = height;
  im.rgb.resize(static_cast<size_t>(width) * height * 3);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        im.rgb[(static_cast<size_t>(y) * width + x) * 3 + c] =
            static_cast<uint8_t>((x * (c + 1) / 5 + y * (3 - c) / 7 + static_cast<int>(rng() % 32)) & 255);
  return im;
}

// Token ids of prompt `p`: the tokenizer's for a real model's "object <p>", else start, a few
// seeded word ids and end (the text encoder's cost does not depend on the ids).
Tensor prompt_tokens(const Sam3Config& c, const ClipTokenizer* tok, int p, uint64_t seed) {
  std::vector<int32_t> ids;
  if (tok) {
    ids = tok->encode("object number " + std::to_string(p), c.text_context);
  } else {
    ids.assign(c.text_context, 0);
    std::mt19937 rng(static_cast<uint32_t>(seed + p));
    const int words = std::min(4, c.text_context - 2);
    ids[0] = c.vocab_size - 2;  // CLIP's <|startoftext|>
    for (int i = 1; i <= words; ++i)
      ids[i] = 1 + static_cast<int32_t>(rng() % static_cast<uint32_t>(c.vocab_size - 3));
    ids[words + 1] = c.vocab_size - 1;  // <|endoftext|>
  }
  return Tensor::from_vector_i32({1, c.text_context}, ids);
}

GroundingOutput to_host(GroundingOutput out) {
  for (Tensor* t : {&out.pred_logits, &out.pred_boxes, &out.pred_boxes_xyxy, &out.presence_logit,
                    &out.pred_masks, &out.semantic_seg})
    if (t->defined()) *t = t->to(Device::cpu());
  return out;
}

// GFLOP/s of a bare GEMM of the ViT MLP's first product ([L, C] · [C, 4C]-ish), median of 3 after a
// warm-up: BLAS sgemm, or the bf16 GEMM with the weight already in bf16 (as linear runs it).
double bare_gemm_gflops(const Sam3Config& c, bool bf16) {
  const int64_t m = static_cast<int64_t>(c.grid_size()) * c.grid_size(), k = c.vit_dim,
                n = c.vit_mlp_hidden();
  std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)),
      y(static_cast<size_t>(m * n));
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) * 0.1f - 0.2f;
  std::vector<uint16_t> b16(b.size());
  convert_f32_to_bf16(b.data(), b16.data(), b.size());
  std::vector<double> ms;
  for (int r = 0; r < 4; ++r) {
    const auto t0 = Clock::now();
    if (bf16)  // w [n, k] as linear stores it: B = wᵀ
      cpu::gemm_bf16(m, n, k, 1.f, cpu::Bf16Operand{a.data(), false, false, k},
                     cpu::Bf16Operand{b16.data(), true, true, k}, 0.f, y.data(), n);
    else
      blas_sgemm(false, true, m, n, k, 1.f, a.data(), k, b.data(), k, 0.f, y.data(), n);
    if (r > 0) ms.push_back(ms_since(t0));
  }
  return 2.0 * m * n * k / (median(ms) * 1e6);
}

struct Stage {
  const char* name;
  std::vector<double> ms, gflop;
};

int run_bench(const BenchOptions& o) {
  int width = 0, height = 0;
  char x = 0;
  SAM3RT_CHECK(std::sscanf(o.image.c_str(), "%d%c%d", &width, &x, &height) == 3 && x == 'x' && width > 0 &&
                   height > 0 && width <= 16384 && height <= 16384,
               kInvalidArgument, "--image must be WIDTHxHEIGHT (e.g. 1280x720), got '", o.image, "'");
  SAM3RT_CHECK(o.prompts >= 1 && o.runs >= 1 && o.warmup >= 0 && o.threads >= 0, kInvalidArgument,
               "--prompts and --runs must be at least 1, --warmup and --threads at least 0");
  SAM3RT_CHECK(o.model.empty() || o.config.empty(), kInvalidArgument,
               "--config sets the random model's configuration; a model file (-m) carries its own");
  const MatmulPrecision precision = parse_matmul_precision(o.precision);
  const Device device = select_device(o.device);
  check_precision_supported(device, precision);
  if (o.threads > 0) set_num_threads(o.threads);
  set_matmul_precision(precision);
  const bool bf16 = precision == MatmulPrecision::kBf16;
  // As sam3rt_model_load: the CPU's bf16 products read bf16 linear weights (CUDA keeps f32 ones).
  const bool bf16_weights = bf16 && device.is_cpu();

  const auto t_load = Clock::now();
  auto loaded = std::make_shared<LoadedModel>();
  if (!o.model.empty()) {
    LoadOptions lo;
    lo.bf16_linear_weights = bf16_weights;
    *loaded = load_model(o.model, lo);
  } else {
    loaded->config = o.config.empty() ? Sam3Config::released() : config_from_file(o.config);
    loaded->format = "random";
    // The image model's tensors only (as a detector-only file: no tracker), each made and, under
    // bf16, rounded to bf16 at once, so that peak memory is what a file stored that way costs.
    const std::set<std::string> to_bf16 =
        bf16 ? bf16_linear_weight_names(loaded->config) : std::set<std::string>();
    for (const WeightSpec& spec : image_weight_specs(loaded->config)) {
      Tensor t = random_weight(loaded->config, spec, o.seed);
      loaded->weights.set(spec.name, to_bf16.count(spec.name) ? t.to(DType::kBF16) : t);
    }
  }
  const double load_ms = ms_since(t_load);
  const Sam3Config& config = loaded->config;
  std::unique_ptr<ClipTokenizer> tokenizer;
  if (!loaded->bpe_merges.empty())
    tokenizer = std::make_unique<ClipTokenizer>(loaded->bpe_merges, config.bpe_merges);
  const Sam3ImageModel model(loaded, device);
  const Image image = synthetic_image(width, height, o.seed);
  std::vector<Tensor> tokens;
  for (int p = 0; p < o.prompts; ++p) tokens.push_back(prompt_tokens(config, tokenizer.get(), p, o.seed));

  const double sgemm = device.is_cpu() ? bare_gemm_gflops(config, false) : 0;
  const double bf16_gemm = device.is_cpu() && bf16 ? bare_gemm_gflops(config, true) : 0;

  Stage pre{"preprocess"}, backbone{"backbone"}, text{"text"}, detector{"detector"}, post{"postprocess"};
  std::vector<double> total_ms, prompt_ms;
  for (int run = 0; run < o.warmup + o.runs; ++run) {
    const bool keep = run >= o.warmup;
    auto timed = [&](Stage& s, const auto& fn) {
      const double f0 = matmul_flops();
      const auto t0 = Clock::now();
      fn();
      const double ms = ms_since(t0);
      if (keep) {
        s.ms.push_back(ms);
        s.gflop.push_back((matmul_flops() - f0) / 1e9);
      }
      return ms;
    };
    double run_ms = 0;
    Tensor pixels;
    BackboneFeatures feats;
    run_ms += timed(pre, [&] { pixels = preprocess_image(image, config.image_size); });
    run_ms += timed(backbone, [&] {
      feats = model.encode_image(pixels);
      synchronize(device);
    });
    for (int p = 0; p < o.prompts; ++p) {
      TextFeatures tf;
      GroundingOutput out;
      double one = timed(text, [&] {
        tf = model.encode_text(tokens[p].to(device));
        synchronize(device);
      });
      one += timed(detector, [&] { out = to_host(model.ground(feats, tf, {})); });
      one += timed(post, [&] { (void)pipeline::postprocess(out, width, height, 0.5f); });
      run_ms += one;
      if (keep) prompt_ms.push_back(one);
    }
    if (keep) total_ms.push_back(run_ms);
  }

  // Per-stage medians; a stage that runs once per prompt is summed per run first.
  auto per_run = [&](const std::vector<double>& v) {
    const size_t per = v.size() / static_cast<size_t>(o.runs);
    std::vector<double> out;
    for (int r = 0; r < o.runs; ++r) {
      double s = 0;
      for (size_t i = 0; i < per; ++i) s += v[r * per + i];
      out.push_back(s);
    }
    return out;
  };
  nlohmann::json j;
  j["model"] = o.model.empty() ? std::string("random weights (") +
                                     (o.config.empty() ? "released configuration" : o.config) + ")"
                               : o.model;
  j["device"] = device.str();
  j["precision"] = matmul_precision_name(precision);
  j["threads"] = num_threads();
  j["blas"] = blas_name();
  j["image"] = o.image;
  j["prompts"] = o.prompts;
  j["warmup"] = o.warmup;
  j["runs"] = o.runs;
  j["load_ms"] = load_ms;
  j["sgemm_gflops"] = sgemm;
  if (bf16) j["bf16_gemm_gflops"] = bf16_gemm;
  j["stages"] = nlohmann::json::array();
  for (Stage* s : {&pre, &backbone, &text, &detector, &post}) {
    const double ms = median(per_run(s->ms)), gflop = median(per_run(s->gflop));
    nlohmann::json st{{"stage", s->name}, {"median_ms", ms}, {"gflop", gflop}};
    st["gflops"] = ms > 0 ? gflop / (ms / 1e3) : 0.0;
    j["stages"].push_back(st);
  }
  j["image_plus_prompts_median_ms"] = median(total_ms);
  j["prompt_median_ms"] = median(prompt_ms);
  j["peak_rss_mib"] = peak_rss_mib();

  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("model: %s\ndevice: %s, precision %s, %d threads (%s)\n", j["model"].get<std::string>().c_str(),
              device.str().c_str(), o.precision.c_str(), num_threads(), blas_name());
  std::printf("input: %s, %d prompt(s); %d warm-up + %d timed run(s), medians; load %.0f ms\n",
              o.image.c_str(), o.prompts, o.warmup, o.runs, load_ms);
  if (device.is_cpu()) {
    std::printf("bare sgemm (%d x %d x %d): %.1f GFLOP/s", config.grid_size() * config.grid_size(),
                config.vit_mlp_hidden(), config.vit_dim, sgemm);
    if (bf16) std::printf("; bare bf16 GEMM: %.1f GFLOP/s", bf16_gemm);
    std::printf("\n");
  }
  std::printf("%-12s %12s %10s %10s\n", "stage", "median ms", "GFLOP", "GFLOP/s");
  for (const auto& st : j["stages"]) {
    const double g = st["gflops"].get<double>();
    const double ref = bf16 ? bf16_gemm : sgemm;
    std::printf("%-12s %12.1f %10.2f %10.1f", st["stage"].get<std::string>().c_str(),
                st["median_ms"].get<double>(), st["gflop"].get<double>(), g);
    if (device.is_cpu() && ref > 0 && st["gflop"].get<double>() > 0.01)
      std::printf("  (%.0f%% of bare GEMM)", 100 * g / ref);
    std::printf("\n");
  }
  std::printf("image + %d prompt(s): %.1f ms; one further prompt on the encoded image: %.1f ms\n", o.prompts,
              median(total_ms), median(prompt_ms));
  std::printf("peak RSS: %.0f MiB\n", peak_rss_mib());
  return 0;
}

CommandRegistrar reg(
    "bench", "Time one image + text prompts stage by stage (random weights or a model)", [](CLI::App& cmd) {
      auto o = std::make_shared<BenchOptions>();
      cmd.add_option("--model,-m", o->model,
                     "A model to time (default: the released architecture with seeded random weights)");
      cmd.add_option("--config", o->config,
                     "Configuration JSON of the random model (default: the released one)");
      cmd.add_option("--image", o->image, "Size of the synthetic input photo, WIDTHxHEIGHT")
          ->capture_default_str();
      cmd.add_option("--prompts", o->prompts, "Text prompts per image")->capture_default_str();
      cmd.add_option("--threads", o->threads, "CPU threads (0 = all cores)")->capture_default_str();
      cmd.add_option("--precision", o->precision, "fp32, tf32, tf32x3 or bf16")
          ->check(CLI::IsMember({"fp32", "tf32", "bf16"}))
          ->capture_default_str();
      cmd.add_option("--device,-d", o->device, "cpu | cuda | cuda:N | auto")->capture_default_str();
      cmd.add_option("--warmup", o->warmup, "Untimed runs first")->capture_default_str();
      cmd.add_option("--runs", o->runs, "Timed runs (medians are reported)")->capture_default_str();
      cmd.add_option("--seed", o->seed, "Seed of the random weights and the test image")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print the results as JSON");
      return [o] { return run_bench(*o); };
    });

}  // namespace

}  // namespace sam3rt::cli
