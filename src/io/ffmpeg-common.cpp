// FFmpeg's log hook and error text (see ffmpeg-common.h).
#include "io/ffmpeg-common.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "core/log.h"

namespace sam3rt::io::ffmpeg {
namespace {

thread_local std::string t_last_error;

void log_hook(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_WARNING) return;  // info, verbose, debug: dropped (x264 alone says a lot)
  char line[1024];
  int print_prefix = 1;  // "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x...] " names the component
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof(line), &print_prefix);
  va_end(copy);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  if (level <= AV_LOG_ERROR) t_last_error = text;
  log_debug("ffmpeg: ", text);
}

}  // namespace

void install_log_hook() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(log_hook); });
}

void clear_last_error() { t_last_error.clear(); }

std::string error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof(buf));
  std::string text(buf);
  if (!t_last_error.empty()) {
    // The logged line carries a "[component @ 0x55d...] " prefix; the address helps nobody.
    std::string logged = t_last_error;
    const size_t close = logged.find("] ");
    if (!logged.empty() && logged[0] == '[' && close != std::string::npos) logged = logged.substr(close + 2);
    if (logged != text) text += ": " + logged;
  }
  return text;
}

std::string file_url(const std::string& path) { return "file:" + path; }

}  // namespace sam3rt::io::ffmpeg
