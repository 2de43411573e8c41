#include "core/error.h"

namespace sam3rt {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kFormat: return "format error";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kDeviceUnavailable: return "device unavailable";
    case ErrorCode::kOutOfMemory: return "out of memory";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

namespace detail {
void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
  std::string text = concat("internal error: ", file, ":", line, ": assertion `", expr, "` failed");
  if (!msg.empty()) text += concat(": ", msg);
  text += " (this is a bug in sam3rt; please report it)";
  throw Error(ErrorCode::kInternal, text);
}
}  // namespace detail

}  // namespace sam3rt
