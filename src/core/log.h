// The library never prints: it logs through a settable callback. The default callback drops
// everything; the CLI installs one that writes to stderr.
#pragma once

#include <string>

#include "core/error.h"

namespace sam3rt {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogCallback = void (*)(LogLevel level, const char* message, void* user_data);

void set_log_callback(LogCallback callback, void* user_data);
void log_message(LogLevel level, const std::string& message);

template <class... Args>
void log_debug(Args&&... args) { log_message(LogLevel::kDebug, detail::concat(std::forward<Args>(args)...)); }
template <class... Args>
void log_info(Args&&... args) { log_message(LogLevel::kInfo, detail::concat(std::forward<Args>(args)...)); }
template <class... Args>
void log_warning(Args&&... args) { log_message(LogLevel::kWarning, detail::concat(std::forward<Args>(args)...)); }

}  // namespace sam3rt
