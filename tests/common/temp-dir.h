// A fresh folder under the system temp directory, removed with everything in it at scope exit.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sam3rt::test {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("sam3rt-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str(const std::string& sub = "") const { return sub.empty() ? path() : file(sub); }
  // Files left behind by an interrupted or failed atomic write (their names contain ".tmp").
  std::vector<std::string> temporaries() const {
    std::vector<std::string> t;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path_))
      if (e.path().filename().string().find(".tmp") != std::string::npos) t.push_back(e.path().string());
    return t;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace sam3rt::test
