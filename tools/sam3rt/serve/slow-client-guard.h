// Drops connections that take too long to send a request (slowloris): cpp-httplib's read timeout
// is per read, so a client that trickles one byte a second would hold a connection thread for
// ever. A watchdog thread looks at the process's sockets a few times a second; a connection that
// has been sending its request (headers or body) for longer than the limit is shut down. The
// route handlers report when a request is complete (the handler runs: no limit while the model
// works) and when its answer is done (the next request's clock starts).
//
// Connections are matched by peer address and port, the one thing both httplib's Request and
// the socket know.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace sam3rt::serve {

class SlowClientGuard {
 public:
  explicit SlowClientGuard(double limit_s);
  ~SlowClientGuard();
  SlowClientGuard(const SlowClientGuard&) = delete;
  SlowClientGuard& operator=(const SlowClientGuard&) = delete;

  void request_started(const std::string& addr, int port);
  void request_finished(const std::string& addr, int port);
  size_t dropped() const { return dropped_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  using Peer = std::pair<std::string, int>;
  struct Connection {
    int fd = -1;
    ino_t inode = 0;
    Clock::time_point reading_since;
    bool in_handler = false;
    bool seen = false;  // found among the sockets in this scan
  };
  void loop();
  void scan();

  const Clock::duration limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<Peer, Connection> connections_;
  std::atomic<size_t> dropped_{0};
  std::thread thread_;
};

}  // namespace sam3rt::serve
