// A live `sam3rt serve` for the server tests: started on a free loopback port (--port 0, the
// port read back from its log), stopped with SIGTERM at scope exit. Plus the raw-socket helpers
// the misbehaving-client tests need.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sam3rt::test {

class ServerProcess {
 public:
  // extra: more `sam3rt serve` arguments; tracker: the tiny model with tracker weights (clicks).
  explicit ServerProcess(const std::vector<std::string>& extra = {}, bool tracker = true);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool alive() const;
  std::string log() const;  // its stderr so far
  // SIGTERM, then waits; returns the exit status (-1 when it had to be killed).
  int terminate(double timeout_s = 20);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

// The tiny model's arguments for `sam3rt segment`/`click` (the same model as the server's).
std::string tiny_model_args(bool tracker = true);
std::string read_file(const std::string& path);

// Opens a TCP connection to 127.0.0.1:port (-1 on failure).
int connect_loopback(int port);
// A 50000×50000 RGB PNG header (signature + IHDR + a tiny IDAT + IEND): decoding must refuse it
// before allocating anything.
std::string huge_png();

}  // namespace sam3rt::test
