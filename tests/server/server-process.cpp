#include "server/server-process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/test-util.h"

extern char** environ;

namespace sam3rt::test {

namespace {
std::vector<std::string> model_argv(bool tracker) {
  const std::string d = data_dir();
  if (tracker)
    return {"--model",     d + "/sam3-tiny-tracker/model/sam3-tiny-tracker.pt",
            "--config",    d + "/sam3-tiny-tracker/model/sam3-tiny-tracker.config.json",
            "--tokenizer", d + "/sam3-tiny/model/tiny-bpe.txt.gz"};
  return {"--model",     d + "/sam3-tiny/model/sam3-tiny.pt",
          "--config",    d + "/sam3-tiny/model/sam3-tiny.config.json",
          "--tokenizer", d + "/sam3-tiny/model/tiny-bpe.txt.gz"};
}
int counter = 0;
}  // namespace

std::string tiny_model_args(bool tracker) {
  std::string s;
  for (const std::string& a : model_argv(tracker)) s += " " + a;
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ServerProcess::ServerProcess(const std::vector<std::string>& extra, bool tracker) {
  log_path_ =
      "/tmp/sam3rt-serve-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log";
  std::vector<std::string> args = {cli_path(), "serve", "--device", "cpu", "--port", "0", "--threads", "1"};
  for (const std::string& a : model_argv(tracker)) args.push_back(a);
  for (const std::string& a : extra) args.push_back(a);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  const std::string listening = "listening on http://127.0.0.1:";
  for (int i = 0; i < 600 && port_ == 0; ++i) {
    const std::string text = log();
    const size_t at = text.find(listening);
    if (at != std::string::npos && text.find('/', at + listening.size()) != std::string::npos)
      port_ = std::atoi(text.c_str() + at + listening.size());
    else if (!alive())
      throw std::runtime_error("sam3rt serve exited at start-up: " + text);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port_ == 0) throw std::runtime_error("sam3rt serve did not start within 30 s: " + log());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate(5);
  std::remove(log_path_.c_str());
}

bool ServerProcess::alive() const {
  if (pid_ <= 0) return false;
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

std::string ServerProcess::log() const { return read_file(log_path_); }

int ServerProcess::terminate(double timeout_s) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::duration<double>(timeout_s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {
uint32_t crc32(const std::string& bytes) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}
std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}
}  // namespace

std::string huge_png() {
  const std::string ihdr = be32(50000) + be32(50000) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) +
         chunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) + chunk("IEND", "");
}

}  // namespace sam3rt::test
