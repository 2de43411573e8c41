#include "core/log.h"

#include <atomic>
#include <mutex>

#include "core/safe-text.h"

namespace sam3rt {
namespace {
std::mutex g_log_mutex;
LogCallback g_callback = nullptr;
void* g_user_data = nullptr;
}  // namespace

void set_log_callback(LogCallback callback, void* user_data) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_callback = callback;
  g_user_data = user_data;
}

void log_message(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  // Log lines quote input as errors do, so they get the same escaping and cap (core/safe-text.h).
  if (g_callback) g_callback(level, safe_text(message, kMaxMessageBytes).c_str(), g_user_data);
}

}  // namespace sam3rt
