// What `sam3rt serve` counts, exported as Prometheus text at GET /metrics: requests by route and
// status, latency histograms per stage (queue wait, decode, encode, text, grounding, click, the
// whole request), and the gauges the caller reads at scrape time (cache use, queue length).
// Thread-safe: every HTTP thread and the inference worker record into one instance.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sam3rt::serve {

class Metrics {
 public:
  void count_request(const std::string& route, int status);
  // A latency sample of `stage`, in seconds.
  void observe(const std::string& stage, double seconds);
  // Monotonic counters: "encodes", "cache_hits", "evictions", "rejected", "timeouts", ...
  void add(const std::string& counter, double value = 1);
  double counter(const std::string& name) const;

  // The exposition text; `gauges` are name → value pairs sampled by the caller.
  std::string prometheus(const std::vector<std::pair<std::string, double>>& gauges) const;

 private:
  // Upper bounds in seconds: from a tiny model's click on a GPU to a large image on a CPU.
  static constexpr std::array<double, 14> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10,   30};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> stages_;
  std::map<std::string, double> counters_;
};

}  // namespace sam3rt::serve
