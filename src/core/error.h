// Typed errors. User-facing failures throw sam3rt::Error with a code and a message that says
// what went wrong and what to do; the C API turns them into status codes. Internal invariants
// use SAM3RT_ASSERT, which reports file and line.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/safe-text.h"

namespace sam3rt {

enum class ErrorCode : int {
  kOk = 0,
  kInvalidArgument = 1,  // bad prompt, bad option, bad shape passed by the caller
  kIo = 2,               // file missing, unreadable, unwritable
  kFormat = 3,           // corrupt or unsupported file contents
  kUnsupported = 4,      // feature or dtype not supported
  kDeviceUnavailable = 5,// device not built in or not present
  kOutOfMemory = 6,
  kInternal = 7,         // a bug: an invariant did not hold
};

const char* error_code_name(ErrorCode code);

// The message is made safe to print (core/safe-text.h) here, once for every error, so that input
// bytes quoted by any message can never reach a terminal raw; readers also cap each quoted piece.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(safe_text(message, kMaxMessageBytes)), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);
}  // namespace detail

// Throws Error(code, message) where message is the concatenation of the arguments.
template <class... Args>
[[noreturn]] void fail(ErrorCode code, Args&&... args) {
  throw Error(code, detail::concat(std::forward<Args>(args)...));
}

}  // namespace sam3rt

// Check a user-facing condition: SAM3RT_CHECK(n > 0, kInvalidArgument, "n must be positive, got ", n);
#define SAM3RT_CHECK(cond, code, ...)                                  \
  do {                                                                 \
    if (!(cond)) ::sam3rt::fail(::sam3rt::ErrorCode::code, __VA_ARGS__); \
  } while (0)

// Internal invariant; a failure is a bug in sam3rt.
#define SAM3RT_ASSERT(cond, ...)                                                        \
  do {                                                                                  \
    if (!(cond))                                                                        \
      ::sam3rt::detail::assert_fail(#cond, __FILE__, __LINE__,                          \
                                    ::sam3rt::detail::concat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)
