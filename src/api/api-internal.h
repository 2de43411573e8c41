// Shared pieces of the C API implementation: the handle structs and the exception barrier.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "pipeline/image-session.h"
#include "sam3rt/sam3rt.h"

struct sam3rt_model {
  std::shared_ptr<const sam3rt::Sam3ImageModel> model;
  std::shared_ptr<const sam3rt::ClipTokenizer> tokenizer;
  std::string device;  // "cpu"
  int n_threads = 0;   // the cap of its sessions' calls (Context::n_threads); 0 = the whole pool
};

struct sam3rt_session {
  std::shared_ptr<const sam3rt::Sam3ImageModel> model;
  std::unique_ptr<sam3rt::pipeline::ImageSession> session;
  bool apply_exif_orientation = false;
  std::string dump_path;
  std::vector<sam3rt_timing> image_timings;  // stage names point into session->image_timings()
};

struct sam3rt_result {
  sam3rt::pipeline::Result result;
  int width = 0, height = 0;
  std::vector<sam3rt_timing> timings;  // stage names point into result.timings
};

struct sam3rt_click_result {
  sam3rt::pipeline::ClickResult result;
  int width = 0, height = 0;
  std::vector<sam3rt_timing> timings;  // stage names point into result.timings
};

namespace sam3rt::api {

// Stage timings as the C API hands them out (names point into `from`).
void fill_timings(const sam3rt::pipeline::Timings& from, std::vector<sam3rt_timing>* to);
// Writes the session's dump to its dump path, if one is set, and turns the dump off.
void flush_dump(sam3rt_session* session);

// Records the message for sam3rt_last_error() on this thread and returns the status.
sam3rt_status set_error(sam3rt_status status, const std::string& message);
void clear_error();

// Runs fn(); turns any exception into a status + message, so none crosses the C interface.
template <class F>
sam3rt_status guarded(F&& fn) noexcept {
  try {
    fn();
    clear_error();
    return SAM3RT_OK;
  } catch (const Error& e) {
    return set_error(static_cast<sam3rt_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(SAM3RT_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return set_error(SAM3RT_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return set_error(SAM3RT_ERR_INTERNAL, "internal error: unknown exception");
  }
}

}  // namespace sam3rt::api
