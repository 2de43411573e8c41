// A released-size model (≈3.4 GB f32, seeded random weights) loads from the page cache in under
// 5 s, with every byte touched, and without a second copy: peak RSS < 1.2 × the file size.
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <string>

#include "io/model-loader.h"
#include "io/random-weights.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

// kB from /proc/self/status ("VmHWM:   123456 kB").
int64_t proc_status_kb(const char* field) {
  std::ifstream is("/proc/self/status");
  std::string line;
  while (std::getline(is, line))
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(std::strlen(field) + 1));
  return -1;
}

// Reads one byte per page of every tensor, so the whole file is really mapped in.
uint64_t touch_all(const LoadedModel& m) {
  uint64_t sum = 0;
  for (const auto& [name, t] : m.weights.all()) {
    const auto* p = static_cast<const volatile uint8_t*>(t.raw_data());
    for (size_t i = 0; i < t.nbytes(); i += 4096) sum += p[i];
    if (t.nbytes()) sum += p[t.nbytes() - 1];
  }
  return sum;
}

TEST(SlowLoad, ReleasedSizeFromPageCache) {
  const std::string dir = fs::temp_directory_path().string();
  struct statvfs vfs;
  ASSERT_EQ(::statvfs(dir.c_str(), &vfs), 0);
  const double free_gb = static_cast<double>(vfs.f_bavail) * vfs.f_frsize / 1e9;
  if (free_gb < 8) GTEST_SKIP() << "needs 8 GB free in " << dir << ", has " << free_gb << " GB";

  const std::string path = dir + "/sam3rt-slow-released-" + std::to_string(::getpid()) + ".sam3rt";
  struct Cleanup {
    std::string p;
    ~Cleanup() { std::remove(p.c_str()); }
  } cleanup{path};
  const auto t0 = std::chrono::steady_clock::now();
  write_random_model(path, Sam3Config::released(), {}, DType::kF32, 1);
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double file_bytes = static_cast<double>(fs::file_size(path));
  EXPECT_GT(file_bytes, 3.3e9);
  EXPECT_LT(file_bytes, 3.5e9);

  {  // warm the page cache (the file was just written, but may have been partly evicted)
    LoadedModel warm = load_model(path);
    touch_all(warm);
  }
  const auto t1 = std::chrono::steady_clock::now();
  LoadedModel m = load_model(path);  // validates every tensor against the released configuration
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const uint64_t sum = touch_all(m);
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double hwm_bytes = static_cast<double>(proc_status_kb("VmHWM:")) * 1024;

  std::printf("released random model: %.2f GB written in %.1f s; load %.3f s, load + touch every page %.2f s; "
              "peak RSS %.2f GB = %.2f x file (checksum %llu)\n",
              file_bytes / 1e9, write_s, load_s, total_s, hwm_bytes / 1e9, hwm_bytes / file_bytes,
              static_cast<unsigned long long>(sum));
  // the detector's 1134 tensors + the tracker's 331 (22 sam2_convs + 309 tracker.*, spec §16.1)
  EXPECT_EQ(m.weights.size(), 1134u + 331u);
  EXPECT_LT(total_s, 5.0);
  EXPECT_GT(hwm_bytes, 0);
  EXPECT_LT(hwm_bytes, 1.2 * file_bytes);
}

}  // namespace
}  // namespace sam3rt
