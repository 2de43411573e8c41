#include "tools/sam3rt/serve/metrics.h"

#include <cstdio>

namespace sam3rt::serve {

namespace {
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}
}  // namespace

void Metrics::count_request(const std::string& route, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
}

void Metrics::observe(const std::string& stage, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Histogram& h = stages_[stage];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add(const std::string& counter, double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  counters_[counter] += value;
}

double Metrics::counter(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::string Metrics::prometheus(const std::vector<std::pair<std::string, double>>& gauges) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  out += "# HELP sam3rt_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE sam3rt_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "sam3rt_requests_total{route=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  out +=
      "# HELP sam3rt_stage_seconds Latency of each stage: queue (wait for the worker), decode, encode "
      "(image backbone), segment, click, request (whole HTTP request).\n";
  out += "# TYPE sam3rt_stage_seconds histogram\n";
  for (const auto& [stage, h] : stages_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out += "sam3rt_stage_seconds_bucket{stage=\"" + stage + "\",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    out +=
        "sam3rt_stage_seconds_bucket{stage=\"" + stage + "\",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "sam3rt_stage_seconds_sum{stage=\"" + stage + "\"} " + number(h.sum) + "\n";
    out += "sam3rt_stage_seconds_count{stage=\"" + stage + "\"} " + std::to_string(h.count) + "\n";
  }
  for (const auto& [name, v] : counters_) {
    out += "# TYPE sam3rt_" + name + "_total counter\n";
    out += "sam3rt_" + name + "_total " + number(v) + "\n";
  }
  for (const auto& [name, v] : gauges) {
    out += "# TYPE sam3rt_" + name + " gauge\n";
    out += "sam3rt_" + name + " " + number(v) + "\n";
  }
  return out;
}

}  // namespace sam3rt::serve
