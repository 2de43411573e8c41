#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

#include "core/error.h"
#include "core/log.h"
#include "core/safe-text.h"
#include "fuzz/fuzz-target.h"

namespace sam3rt::fuzz {

std::map<std::string, TargetFn>& registry() {
  static std::map<std::string, TargetFn> r;
  return r;
}

namespace {

[[noreturn]] void die(const char* target, const char* what, std::string_view detail) {
  // The detail is escaped: it may be the very message that failed the check.
  std::fprintf(stderr, "fuzz target %s: %s: %s\n", target, what, safe_text(detail, 1000).c_str());
  std::abort();
}

// The library logs through a callback; a fuzzer executes millions of inputs, so logs are dropped
// (they would only slow it down), but each message is still checked like an error's.
struct QuietLogs {
  QuietLogs() {
    set_log_callback([](LogLevel, const char* message, void*) { check_message("log", message); }, nullptr);
  }
};

}  // namespace

void check_message(const char* target, std::string_view message) {
  if (message.size() > kMaxMessageBytes + 64) die(target, "message over the length cap", message);
  if (!is_safe_text(message)) die(target, "message not safe to print", message);
}

void run_guarded(const char* target, const std::function<void()>& body) {
  static QuietLogs quiet;
  try {
    body();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) die(target, "internal error (a bug)", e.what());
    check_message(target, e.what());
  } catch (const std::bad_alloc&) {
    die(target, "std::bad_alloc: an allocation not checked against the input", "");
  } catch (const std::exception& e) {
    die(target, "exception other than sam3rt::Error", e.what());
  } catch (...) {
    die(target, "unknown exception", "");
  }
}

std::string test_data_dir() { return SAM3RT_TEST_DATA_DIR; }

std::pair<std::string_view, std::string_view> split_input(const uint8_t* data, size_t size,
                                                          std::string_view separator) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t at = all.find(separator);
  if (at == std::string_view::npos) return {all, {}};
  return {all.substr(0, at), all.substr(at + separator.size())};
}

}  // namespace sam3rt::fuzz
