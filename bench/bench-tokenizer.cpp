// Tokenizer speed: one prompt after load (warm cache and all-new words) and loading the full
// CLIP vocabulary. Targets (issue 4): a prompt < 50 µs, the CLIP vocabulary < 100 ms.
// The CLIP file is looked for in $SAM3RT_SHARED_DIR/assets/clip-bpe, else ../shared beside the
// checkout; that benchmark is skipped when it is absent.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"

namespace {

namespace fs = std::filesystem;

const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path();

std::string clip_vocab_path() {
  const char* env = std::getenv("SAM3RT_SHARED_DIR");
  const fs::path shared = env ? fs::path(env) : kRepo.parent_path() / "shared";
  return (shared / "assets/clip-bpe/bpe_simple_vocab_16e6.txt.gz").string();
}

const sam3rt::ClipTokenizer* clip_tokenizer() {
  static const std::unique_ptr<sam3rt::ClipTokenizer> tok = []() -> std::unique_ptr<sam3rt::ClipTokenizer> {
    if (!fs::exists(clip_vocab_path())) return nullptr;
    return std::make_unique<sam3rt::ClipTokenizer>(sam3rt::ClipTokenizer::from_file(clip_vocab_path(), 48894));
  }();
  return tok.get();
}

const sam3rt::ClipTokenizer& tiny_tokenizer() {
  static const sam3rt::ClipTokenizer tok =
      sam3rt::ClipTokenizer::from_file((kRepo / "tests/data/sam3-tiny/model/tiny-bpe.txt.gz").string(), 400);
  return tok;
}

constexpr const char* kPrompt = "a photo of a red traffic light next to a yellow school bus";

void BM_TokenizePrompt_Clip(benchmark::State& state) {
  const sam3rt::ClipTokenizer* tok = clip_tokenizer();
  if (!tok) return state.SkipWithError(("CLIP vocabulary not found at " + clip_vocab_path()).c_str());
  for (auto _ : state) benchmark::DoNotOptimize(tok->encode(kPrompt, 32));
}
BENCHMARK(BM_TokenizePrompt_Clip)->Unit(benchmark::kMicrosecond);

// Every iteration's words are new, so the BPE cache never helps: the worst case of a prompt.
void BM_TokenizeNewWords_Clip(benchmark::State& state) {
  const sam3rt::ClipTokenizer* tok = clip_tokenizer();
  if (!tok) return state.SkipWithError(("CLIP vocabulary not found at " + clip_vocab_path()).c_str());
  std::mt19937 rng(1);
  std::string text;
  for (auto _ : state) {
    state.PauseTiming();
    text.clear();
    for (int w = 0; w < 10; ++w) {
      for (int c = 0, n = 4 + static_cast<int>(rng() % 8); c < n; ++c) text.push_back(static_cast<char>('a' + rng() % 26));
      text.push_back(' ');
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(tok->encode(text, 32));
  }
}
BENCHMARK(BM_TokenizeNewWords_Clip)->Unit(benchmark::kMicrosecond);

void BM_TokenizePrompt_Tiny(benchmark::State& state) {
  const sam3rt::ClipTokenizer& tok = tiny_tokenizer();
  for (auto _ : state) benchmark::DoNotOptimize(tok.encode(kPrompt, 32));
}
BENCHMARK(BM_TokenizePrompt_Tiny)->Unit(benchmark::kMicrosecond);

void BM_LoadClipVocabulary(benchmark::State& state) {
  const std::string path = clip_vocab_path();
  if (!fs::exists(path)) return state.SkipWithError(("CLIP vocabulary not found at " + path).c_str());
  for (auto _ : state) benchmark::DoNotOptimize(sam3rt::ClipTokenizer::from_file(path, 48894));
}
BENCHMARK(BM_LoadClipVocabulary)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
