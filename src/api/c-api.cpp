// C API: status codes, errors, version, logging, devices. (Models, sessions and results live in
// c-api-session.cpp.) No exception crosses these functions.
#include <cstring>
#include <string>

#include "api/api-internal.h"
#include "backend/backend.h"
#include "core/log.h"
#include "core/numerics.h"
#include "core/profiler.h"

#ifndef SAM3RT_VERSION
#define SAM3RT_VERSION "unknown"
#endif

namespace sam3rt::api {

namespace {
thread_local std::string t_last_error;

sam3rt_log_callback g_log_callback = nullptr;
void* g_log_user = nullptr;

void forward_log(LogLevel level, const char* message, void*) {
  if (g_log_callback) g_log_callback(static_cast<sam3rt_log_level>(level), message, g_log_user);
}

void copy_string(char* dst, size_t cap, const std::string& src) {
  if (cap == 0) return;
  const size_t n = std::min(cap - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}
}  // namespace

sam3rt_status set_error(sam3rt_status status, const std::string& message) {
  t_last_error = message;
  return status;
}
void clear_error() { t_last_error.clear(); }

}  // namespace sam3rt::api

using namespace sam3rt;

static_assert(SAM3RT_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument) &&
                  SAM3RT_ERR_IO == static_cast<int>(ErrorCode::kIo) &&
                  SAM3RT_ERR_FORMAT == static_cast<int>(ErrorCode::kFormat) &&
                  SAM3RT_ERR_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported) &&
                  SAM3RT_ERR_DEVICE_UNAVAILABLE == static_cast<int>(ErrorCode::kDeviceUnavailable) &&
                  SAM3RT_ERR_OUT_OF_MEMORY == static_cast<int>(ErrorCode::kOutOfMemory) &&
                  SAM3RT_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal),
              "sam3rt_status mirrors sam3rt::ErrorCode");
static_assert(SAM3RT_LOG_DEBUG == static_cast<int>(LogLevel::kDebug) &&
                  SAM3RT_LOG_ERROR == static_cast<int>(LogLevel::kError),
              "sam3rt_log_level mirrors sam3rt::LogLevel");

extern "C" {

const char* sam3rt_status_name(sam3rt_status status) {
  switch (status) {
    case SAM3RT_OK:
      return "ok";
    case SAM3RT_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case SAM3RT_ERR_IO:
      return "i/o error";
    case SAM3RT_ERR_FORMAT:
      return "bad file format";
    case SAM3RT_ERR_UNSUPPORTED:
      return "unsupported";
    case SAM3RT_ERR_DEVICE_UNAVAILABLE:
      return "device unavailable";
    case SAM3RT_ERR_OUT_OF_MEMORY:
      return "out of memory";
    case SAM3RT_ERR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

const char* sam3rt_last_error(void) { return api::t_last_error.c_str(); }

const char* sam3rt_version(void) { return SAM3RT_VERSION; }

void sam3rt_set_log_callback(sam3rt_log_callback callback, void* user_data) {
  api::g_log_callback = callback;
  api::g_log_user = user_data;
  set_log_callback(callback ? api::forward_log : nullptr, nullptr);
}

sam3rt_status sam3rt_set_precision(const char* precision) {
  return api::guarded([&] { set_matmul_precision(parse_matmul_precision(precision ? precision : "")); });
}

void sam3rt_set_op_profiling(int on) { set_op_profiling(on != 0); }

size_t sam3rt_op_profile(sam3rt_op_profile_row* rows, size_t capacity) {
  const std::vector<OpProfileRow> table = op_profile();
  for (size_t i = 0; i < table.size() && rows != nullptr && i < capacity; ++i)
    rows[i] = {table[i].op, table[i].calls, table[i].ms};
  return table.size();
}

void sam3rt_op_profile_reset(void) { reset_op_profile(); }

sam3rt_status sam3rt_list_devices(sam3rt_device_info* devices, size_t capacity, size_t* count) {
  return api::guarded([&] {
    SAM3RT_CHECK(count != nullptr, kInvalidArgument, "sam3rt_list_devices: count is NULL");
    SAM3RT_CHECK(devices != nullptr || capacity == 0, kInvalidArgument,
                 "sam3rt_list_devices: devices is NULL but capacity is ", capacity);
    const std::vector<DeviceInfo> all = list_devices();
    *count = all.size();
    for (size_t i = 0; i < all.size() && i < capacity; ++i) {
      api::copy_string(devices[i].id, sizeof(devices[i].id), all[i].device.str());
      api::copy_string(devices[i].name, sizeof(devices[i].name), all[i].name);
      devices[i].memory_bytes = all[i].memory_bytes;
    }
  });
}

sam3rt_status sam3rt_select_device(const char* spec, char* id, size_t id_capacity) {
  return api::guarded([&] {
    SAM3RT_CHECK(id != nullptr && id_capacity > 0, kInvalidArgument,
                 "sam3rt_select_device: no output buffer");
    const Device d = select_device(spec ? spec : "auto");
    api::copy_string(id, id_capacity, d.str());
  });
}

}  // extern "C"
