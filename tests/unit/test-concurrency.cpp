// One model shared by several threads, each with its own session running other prompts with other
// settings (precision, thread cap) at the same time: results equal a one-thread run, and each
// thread sees its own Context. Run under ThreadSanitizer by the debug-tsan preset (scripts/ci.sh).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "common/sam3-fixtures.h"
#include "core/context.h"
#include "core/thread-pool.h"
#include "io/image.h"
#include "model/sam3-image.h"
#include "pipeline/image-session.h"
#include "text/clip-tokenizer.h"

using namespace sam3rt;

namespace {

struct Job {
  std::string image, text;
  Context context;
};

std::vector<Job> jobs() {
  Context tf32_two;
  tf32_two.matmul_precision = MatmulPrecision::kTf32;  // no effect on the CPU's arithmetic
  tf32_two.n_threads = 2;
  Context fp32_one;
  fp32_one.matmul_precision = MatmulPrecision::kF32;
  fp32_one.n_threads = 1;
  return {{"scene_320x180.png", "red car", Context{}},
          {"scene_96x64.png", "person", tf32_two},
          {"scene_320x180.png", "a dog", fp32_one},
          {"scene_96x64.png", "red car", tf32_two}};
}

// Scores and presence of one prompt (threshold 0: every query), computed with `job`'s settings.
std::vector<float> run(const std::shared_ptr<const Sam3ImageModel>& model,
                       const std::shared_ptr<const ClipTokenizer>& tokenizer, const Job& job) {
  pipeline::ImageSession session(model, tokenizer);
  session.set_context(job.context);
  session.set_image(decode_image_file(test::tiny_dir() + "/images/" + job.image));
  pipeline::Prompt prompt;
  prompt.text = job.text;
  prompt.threshold = 0.f;
  const pipeline::Result r = session.predict(prompt);
  std::vector<float> out{r.presence};
  for (const auto& i : r.instances) out.push_back(i.score);
  return out;
}

TEST(Concurrency, SessionsOnManyThreadsShareOneModel) {
  const auto loaded = test::load_tiny_model();
  const auto model = std::make_shared<const Sam3ImageModel>(loaded);
  const auto tokenizer = std::make_shared<const ClipTokenizer>(loaded->bpe_merges, loaded->config.bpe_merges);
  const std::vector<Job> js = jobs();
  std::vector<std::vector<float>> alone;
  for (const Job& j : js) alone.push_back(run(model, tokenizer, j));

  constexpr int kRounds = 2;
  std::vector<std::vector<float>> together(js.size() * kRounds);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < together.size(); ++t)
    threads.emplace_back([&, t] { together[t] = run(model, tokenizer, js[t % js.size()]); });
  for (std::thread& th : threads) th.join();

  for (size_t t = 0; t < together.size(); ++t) {
    const std::vector<float>& want = alone[t % js.size()];
    ASSERT_EQ(together[t].size(), want.size()) << "thread " << t;
    ASSERT_GT(want.size(), 1u) << "threshold 0 keeps every query";
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(together[t][i], want[i], 1e-5) << "thread " << t << " #" << i;
  }
}

// A Context is the calling thread's alone: another thread's scope neither shows nor leaks.
TEST(Concurrency, ContextIsPerThread) {
  Context mine;
  mine.matmul_precision = MatmulPrecision::kTf32;
  mine.n_threads = 1;
  const ScopedContext scope(mine);
  EXPECT_EQ(matmul_precision(), MatmulPrecision::kTf32);
  MatmulPrecision seen = MatmulPrecision::kTf32;
  int seen_threads = -1;
  std::thread other([&] {
    seen = matmul_precision();
    seen_threads = current_context().n_threads;
  });
  other.join();
  EXPECT_EQ(seen, MatmulPrecision::kF32);
  EXPECT_EQ(seen_threads, 0);
  {
    Context inner;
    inner.n_threads = 3;
    const ScopedContext nested(inner);
    EXPECT_EQ(current_context().n_threads, 3);
    EXPECT_EQ(matmul_precision(), MatmulPrecision::kF32);  // unset in the inner one: the process default
  }
  EXPECT_EQ(current_context().n_threads, 1);
}

// parallel_for from many threads at once, with different caps: every index exactly once.
TEST(Concurrency, ParallelForFromManyThreads) {
  constexpr int kThreads = 4, kN = 10000;
  std::vector<std::vector<int>> hits(kThreads, std::vector<int>(kN, 0));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Context c;
      c.n_threads = t;  // 0 = whole pool, 1 = on this thread, ...
      const ScopedContext scope(c);
      for (int round = 0; round < 20; ++round)
        parallel_for(kN, 64, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) hits[t][i]++;
        });
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kN; ++i) ASSERT_EQ(hits[t][i], 20) << "thread " << t << " index " << i;
}

}  // namespace
