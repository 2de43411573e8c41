#include "common/test-util.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <random>

namespace sam3rt::test {

std::string data_dir() { return SAM3RT_TEST_DATA_DIR; }
std::string shared_dir() { return SAM3RT_SHARED_DIR; }
std::string cli_path() { return SAM3RT_CLI_PATH; }

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

double rel_error(const Tensor& a, const Tensor& b) {
  SAM3RT_CHECK(a.shape() == b.shape(), kInvalidArgument, "rel_error: shapes ", a.shape().str(), " vs ",
               b.shape().str());
  std::vector<float> va = a.to_vector(), vb = b.to_vector();
  double num = 0, den = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    double d = static_cast<double>(va[i]) - vb[i];
    num += d * d;
    den += static_cast<double>(vb[i]) * vb[i];
  }
  if (den == 0) return std::sqrt(num);
  return std::sqrt(num / den);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  SAM3RT_CHECK(a.shape() == b.shape(), kInvalidArgument, "max_abs_diff: shapes differ");
  std::vector<float> va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(va[i]) - vb[i]));
  return m;
}

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t = Tensor::empty(shape, DType::kF32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

int run_command(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf;
  std::string out;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace sam3rt::test
