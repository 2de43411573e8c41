#include "tools/sam3rt/serve/inference-queue.h"

namespace sam3rt::serve {

InferenceQueue::InferenceQueue(size_t capacity, std::function<void(double)> on_start)
    : capacity_(capacity), on_start_(std::move(on_start)), worker_([this] { loop(); }) {}

InferenceQueue::~InferenceQueue() { stop(); }

void InferenceQueue::push(std::function<void()> run, std::shared_ptr<std::atomic<bool>> cancelled) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw QueueFull("the server is shutting down");
    if (jobs_.size() >= capacity_)
      throw QueueFull("the inference queue is full (" + std::to_string(capacity_) + " requests waiting)");
    jobs_.push_back({std::move(run), std::move(cancelled), Clock::now()});
  }
  cv_.notify_one();
}

size_t InferenceQueue::length() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

double InferenceQueue::expected_wait_s() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return (static_cast<double>(jobs_.size()) + (busy_ ? 1 : 0)) * mean_job_s_;
}

void InferenceQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void InferenceQueue::loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    if (!job.cancelled || !*job.cancelled) {
      const auto t0 = Clock::now();
      if (on_start_) on_start_(std::chrono::duration<double>(t0 - job.queued).count());
      job.run();  // a packaged_task: exceptions land in the future
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      std::lock_guard<std::mutex> lock(mutex_);
      mean_job_s_ = mean_job_s_ == 0 ? s : 0.9 * mean_job_s_ + 0.1 * s;
    }
    busy_ = false;
  }
}

}  // namespace sam3rt::serve
