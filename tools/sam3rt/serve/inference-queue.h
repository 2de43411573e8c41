// The one inference worker of a device: a thread that runs the model's work in arrival order, fed
// by a bounded queue. A single worker per device keeps the model's memory and cores to one
// forward at a time (concurrent forwards on one device only slow each other down); the bound
// turns overload into a fast 429 instead of a growing backlog of requests whose clients have
// long given up.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace sam3rt::serve {

// The queue is full: the caller answers 429 with Retry-After.
class QueueFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InferenceQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // on_start(queue wait in seconds) runs on the worker before each job (for metrics).
  InferenceQueue(size_t capacity, std::function<void(double)> on_start);
  ~InferenceQueue();  // stop()

  // Queues fn; its result (or exception) arrives through the future. A job whose `cancelled`
  // flag is set before the worker reaches it is dropped (its client timed out). Throws QueueFull.
  template <class T>
  std::future<T> submit(std::function<T()> fn, std::shared_ptr<std::atomic<bool>> cancelled) {
    auto task = std::make_shared<std::packaged_task<T()>>(std::move(fn));
    std::future<T> result = task->get_future();
    push([task] { (*task)(); }, std::move(cancelled));
    return result;
  }

  size_t length() const;  // jobs waiting, not counting the one running
  // Seconds until a job queued now would start, from the jobs waiting and a moving average of
  // recent job times: the Retry-After of a 429.
  double expected_wait_s() const;
  bool busy() const { return busy_.load(); }
  // Refuses new jobs, runs the ones queued, joins the worker.
  void stop();

 private:
  struct Job {
    std::function<void()> run;
    std::shared_ptr<std::atomic<bool>> cancelled;
    Clock::time_point queued;
  };
  void push(std::function<void()> run, std::shared_ptr<std::atomic<bool>> cancelled);
  void loop();

  const size_t capacity_;
  std::function<void(double)> on_start_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::atomic<bool> busy_{false};
  double mean_job_s_ = 0;  // exponential moving average (under mutex_)
  std::thread worker_;
};

}  // namespace sam3rt::serve
