// `sam3rt serve`: the HTTP API (docs/server.md) over one loaded Model, on cpp-httplib.
//
//   POST   /v1/images               image bytes → {image_id, width, height} (encoded once, cached)
//   POST   /v1/images/{id}/segment  {text?, boxes?, threshold?} → `sam3rt segment --json`'s document
//   POST   /v1/images/{id}/click    {points, labels, box?, mask_input?, multimask?} → candidates
//   POST   /v1/segment              multipart image + prompt, one shot
//   DELETE /v1/images/{id}
//   GET    /v1/health, /v1/model, /metrics, / (the web page)
//
// HTTP threads parse and validate, decode images and encode JSON; all model work runs on one
// inference worker (InferenceQueue), so the model sees one forward at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "sam3rt/sam3rt.hpp"

namespace sam3rt::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0: any free port (printed)
  std::string api_key;  // empty: no authentication
  size_t max_upload_bytes = size_t{32} << 20;
  size_t cache_bytes = size_t{2048} << 20;
  size_t queue_capacity = 16;
  double timeout_s = 60;    // per request, waiting for the worker included
  int read_timeout_s = 10;  // a client that sends nothing for this long is dropped (slowloris)
  int http_threads = 32;
  int64_t max_pixels = int64_t{1} << 26;  // decoded image size limit (64 MP)
  bool exif = false;
  // For GET /v1/model.
  std::string model_path, precision = "fp32";
};

class Server {
 public:
  Server(Model model, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (the chosen one for port 0). Throws on failure.
  int bind();
  // Serves until stop(); then finishes the requests in flight and the queued model work.
  void run();
  // Graceful: new requests get 503, in-flight ones complete. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sam3rt::serve
