#include "core/log.h"

#include <atomic>
#include <mutex>

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
  if (g_callback) g_callback(level, message.c_str(), g_user_data);
}

}  // namespace sam3rt
