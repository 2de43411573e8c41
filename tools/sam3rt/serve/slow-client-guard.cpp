#include "tools/sam3rt/serve/slow-client-guard.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <vector>

namespace sam3rt::serve {

namespace {

// Peer of a connected TCP socket; false for anything else (the listening socket, files, pipes).
bool peer_of(int fd, std::string* addr, int* port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    *port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    *port = ntohs(a->sin6_port);
  } else {
    return false;
  }
  *addr = buf;
  return true;
}

}  // namespace

SlowClientGuard::SlowClientGuard(double limit_s)
    : limit_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s))),
      thread_([this] { loop(); }) {}

SlowClientGuard::~SlowClientGuard() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SlowClientGuard::request_started(const std::string& addr, int port) {
  std::lock_guard<std::mutex> lock(mutex_);
  connections_[{addr, port}].in_handler = true;
}

void SlowClientGuard::request_finished(const std::string& addr, int port) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = connections_.find({addr, port});
  if (it == connections_.end()) return;
  if (it->second.fd < 0) {  // gone before the watchdog ever saw it
    connections_.erase(it);
    return;
  }
  it->second.in_handler = false;
  it->second.reading_since = Clock::now();
}

void SlowClientGuard::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (stopping_) break;
    lock.unlock();
    scan();
    lock.lock();
  }
}

void SlowClientGuard::scan() {
  struct Found {
    int fd;
    ino_t inode;
    Peer peer;
  };
  std::vector<Found> found;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      const int fd = std::atoi(e->d_name);
      struct stat st {};
      if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
      Found f{fd, st.st_ino, {}};
      if (peer_of(fd, &f.peer.first, &f.peer.second)) found.push_back(f);
    }
    ::closedir(dir);
  }
  const auto now = Clock::now();
  std::vector<Found> to_drop;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [peer, c] : connections_) c.seen = false;
    for (const Found& f : found) {
      auto [it, fresh] = connections_.try_emplace(f.peer);
      Connection& c = it->second;
      if (fresh || c.inode != f.inode) {
        // A new connection (or a reused descriptor): its first request starts now, unless the
        // handler already reported it.
        if (fresh || c.fd >= 0) c.in_handler = fresh ? c.in_handler : false;
        c.reading_since = now;
        c.fd = f.fd;
        c.inode = f.inode;
      }
      c.seen = true;
      if (!c.in_handler && now - c.reading_since > limit_) to_drop.push_back(f);
    }
    for (auto it = connections_.begin(); it != connections_.end();)
      it = it->second.seen || it->second.fd < 0 ? std::next(it) : connections_.erase(it);
  }
  for (const Found& f : to_drop) {
    struct stat st {};
    // The same socket still (not closed and reused since the scan): wake its reader with EOF.
    if (::fstat(f.fd, &st) == 0 && st.st_ino == f.inode) {
      ::shutdown(f.fd, SHUT_RDWR);
      ++dropped_;
    }
  }
}

}  // namespace sam3rt::serve
