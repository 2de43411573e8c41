// `sam3rt bench` end to end on the tiny configuration (random weights) and the tiny model: the
// stage table, its JSON form, bf16 where the CPU has it, and its usage errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backend/cpu/bf16-gemm.h"
#include "common/test-util.h"

namespace sam3rt {
namespace {

std::string tiny_config() { return test::data_dir() + "/sam3-tiny/model/sam3-tiny.config.json"; }

TEST(CliBench, JsonHasEveryStageWithTimesFlopsAndMemory) {
  std::string out;
  const int rc = test::run_command(test::cli_path() + " bench --config " + tiny_config() +
                                       " --image 320x180 --prompts 2 --warmup 1 --runs 2 --threads 1 --json",
                                   &out);
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out.substr(std::min(out.find('{'), out.size())));
  EXPECT_EQ(j.at("precision"), "fp32");
  EXPECT_EQ(j.at("prompts"), 2);
  EXPECT_EQ(j.at("runs"), 2);
  EXPECT_EQ(j.at("threads"), 1);
  EXPECT_GT(j.at("sgemm_gflops").get<double>(), 0.0);
  EXPECT_GT(j.at("peak_rss_mib").get<double>(), 1.0);
  std::vector<std::string> names;
  for (const auto& s : j.at("stages")) {
    names.push_back(s.at("stage"));
    EXPECT_GE(s.at("median_ms").get<double>(), 0.0);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"preprocess", "backbone", "text", "detector", "postprocess"}));
  // The tiny backbone, text encoder and detector all run matrix products.
  for (int i : {1, 2, 3}) EXPECT_GT(j.at("stages")[i].at("gflop").get<double>(), 0.0) << names[i];
  EXPECT_GT(j.at("stages")[1].at("median_ms").get<double>(), 0.0);
  const double total = j.at("image_plus_prompts_median_ms"), prompt = j.at("prompt_median_ms");
  EXPECT_GT(prompt, 0.0);
  EXPECT_GT(total, prompt);
}

TEST(CliBench, RealModelTable) {
  std::string out;
  const int rc = test::run_command(test::cli_path() + " bench -m " + test::data_dir() +
                                       "/sam3-tiny/model-hf --image 200x150 --runs 1 --threads 2",
                                   &out);
  ASSERT_EQ(rc, 0) << out;
  for (const char* s : {"backbone", "text", "detector", "postprocess", "bare sgemm", "peak RSS", "GFLOP/s"})
    EXPECT_NE(out.find(s), std::string::npos) << s << "\n" << out;
}

TEST(CliBench, Bf16WhereTheCpuHasIt) {
  std::string out;
  const int rc = test::run_command(test::cli_path() + " bench --config " + tiny_config() +
                                       " --image 200x150 --runs 1 --precision bf16 --json",
                                   &out);
  const std::string why = cpu::bf16_unavailable_reason();
  if (!why.empty()) {
    EXPECT_NE(rc, 0) << out;
    EXPECT_NE(out.find("precision bf16 is not available"), std::string::npos) << out;
    EXPECT_NE(out.find(why), std::string::npos) << out;
    return;
  }
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out.substr(std::min(out.find('{'), out.size())));
  EXPECT_EQ(j.at("precision"), "bf16");
  EXPECT_GT(j.at("bf16_gemm_gflops").get<double>(), 0.0);
}

TEST(CliBench, UsageErrors) {
  std::string out;
  EXPECT_EQ(test::run_command(test::cli_path() + " bench --config " + tiny_config() + " --image 12by7", &out),
            2);
  EXPECT_NE(out.find("WIDTHxHEIGHT"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(test::cli_path() + " bench --config " + tiny_config() + " --runs 0", &out), 2);
  EXPECT_NE(out.find("--runs"), std::string::npos) << out;
  EXPECT_NE(test::run_command(test::cli_path() + " bench --config /no/such.json", &out), 0);
  EXPECT_NE(out.find("/no/such.json"), std::string::npos) << out;
}

}  // namespace
}  // namespace sam3rt
