#include "tools/sam3rt/serve/server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/image.h"
#include "pipeline/mask-box.h"
#include "pipeline/rle.h"
#include "tools/sam3rt/segment-output.h"
#include "tools/sam3rt/serve/http-error.h"
#include "tools/sam3rt/serve/image-cache.h"
#include "tools/sam3rt/serve/inference-queue.h"
#include "tools/sam3rt/serve/metrics.h"
#include "tools/sam3rt/serve/process-memory.h"
#include "tools/sam3rt/serve/prompt-json.h"
#include "tools/sam3rt/serve/slow-client-guard.h"
#include "tools/sam3rt/serve/web-assets.h"

namespace sam3rt::serve {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // Invalid UTF-8 from the client (an id in the path, a multipart file name or text) is replaced,
  // not thrown on: the answer stays a 4xx with a readable body.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g s", s);
  return buf;
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status,
            {{"error", {{"code", status}, {"type", http_error_type(status)}, {"message", message}}}});
}

// The library's typed errors → HTTP: the caller's mistakes are 4xx, the rest 5xx.
int status_for(sam3rt_status s) {
  switch (s) {
    case SAM3RT_ERR_INVALID_ARGUMENT:
      return 400;
    case SAM3RT_ERR_FORMAT:
      return 400;
    case SAM3RT_ERR_UNSUPPORTED:
      return 501;
    case SAM3RT_ERR_OUT_OF_MEMORY:
      return 503;
    default:
      return 500;
  }
}
int status_for(ErrorCode c) { return status_for(static_cast<sam3rt_status>(static_cast<int>(c))); }

// The image id: a hash of the uploaded bytes, so the same image uploaded twice (or by two
// clients at once) is decoded and encoded once.
std::string content_id(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  h ^= bytes.size() * 0x9e3779b97f4a7c15ull;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Constant-time comparison, so the key cannot be guessed byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

}  // namespace

struct Server::Impl {
  Model model;
  ServerOptions options;
  Metrics metrics;
  ImageCache cache;
  InferenceQueue queue;
  httplib::Server http;
  SlowClientGuard guard;
  std::atomic<bool> draining{false};
  size_t feature_bytes = 0;  // estimated backbone features of one cached image

  // Encodes in progress, by image id: a second upload of the same bytes waits for the first.
  std::mutex inflight_mutex;
  std::map<std::string, std::shared_future<std::shared_ptr<CachedImage>>> inflight;

  Impl(Model m, ServerOptions o)
      : model(std::move(m)),
        options(std::move(o)),
        cache(options.cache_bytes),
        queue(options.queue_capacity, [this](double wait) { metrics.observe("queue", wait); }),
        guard(options.read_timeout_s) {}

  // ---- plumbing ---------------------------------------------------------------------------

  template <class T>
  T wait(std::future<T>& f, const std::shared_ptr<std::atomic<bool>>& cancelled, Clock::time_point t0) {
    const auto deadline =
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_s));
    if (f.wait_until(deadline) != std::future_status::ready) {
      if (cancelled) *cancelled = true;
      metrics.add("timeouts");
      throw HttpError(503, "the request timed out after " + seconds_text(options.timeout_s) +
                               " waiting for the model; retry later");
    }
    return f.get();
  }

  bool authorized(const httplib::Request& req, httplib::Response& res) {
    if (options.api_key.empty()) return true;
    std::string given = req.get_header_value("X-API-Key");
    const std::string auth = req.get_header_value("Authorization");
    if (given.empty() && auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
    if (given.empty()) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401,
                 "this server needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'");
      return false;
    }
    if (!same_secret(given, options.api_key)) {
      send_error(res, 403, "the API key is not correct");
      return false;
    }
    return true;
  }

  // Wraps a route: the API key, draining, errors → JSON bodies, request metrics.
  httplib::Server::Handler route(const std::string& name, bool needs_key,
                                 std::function<void(const httplib::Request&, httplib::Response&)> fn) {
    return [this, name, needs_key, fn](const httplib::Request& req, httplib::Response& res) {
      const auto t0 = Clock::now();
      guard.request_started(req.remote_addr, req.remote_port);
      try {
        if (draining) {
          res.set_header("Retry-After", "5");
          send_error(res, 503, "the server is shutting down");
        } else if (!needs_key || authorized(req, res)) {
          fn(req, res);
        }
      } catch (const HttpError& e) {
        if (e.status() == 503 || e.status() == 429) res.set_header("Retry-After", "1");
        send_error(res, e.status(), e.what());
      } catch (const QueueFull& e) {
        metrics.add("rejected");
        res.set_header("Retry-After", retry_after());
        send_error(res, draining ? 503 : 429, e.what());
      } catch (const ApiError& e) {
        send_error(res, status_for(e.status()), e.what());
      } catch (const Error& e) {
        send_error(res, status_for(e.code()), e.what());
      } catch (const std::bad_alloc&) {
        send_error(res, 503, "out of memory; retry with a smaller image or fewer concurrent requests");
      } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal error: ") + e.what());
      }
      metrics.count_request(name, res.status);
      metrics.observe("request", seconds_since(t0));
      guard.request_finished(req.remote_addr, req.remote_port);
    };
  }

  // Whole seconds (at least 1, at most 60) until the worker would reach a request queued now.
  std::string retry_after() const {
    return std::to_string(static_cast<int>(std::clamp(std::ceil(queue.expected_wait_s()), 1.0, 60.0)));
  }

  std::shared_ptr<CachedImage> find_image(const std::string& id) {
    std::shared_ptr<CachedImage> image = cache.get(id);
    if (!image)
      throw HttpError(
          404,
          "unknown image id '" + id.substr(0, 64) +
              "' (never uploaded, deleted, or evicted from the cache): POST the image to /v1/images again");
    return image;
  }

  // ---- encoding ---------------------------------------------------------------------------

  // Decodes (on this HTTP thread) and encodes (on the worker) unless the same bytes are cached or
  // being encoded. *encoded tells whether this call ran the backbone.
  std::shared_ptr<CachedImage> encode(const std::string& bytes, const std::string& name, Clock::time_point t0,
                                      std::map<std::string, double>& timings_ms, bool* encoded = nullptr) {
    if (bytes.empty()) throw HttpError(400, "the upload is empty: send the image file's bytes as the body");
    const std::string id = content_id(bytes);
    if (std::shared_ptr<CachedImage> hit = cache.get(id)) {
      metrics.add("cache_hits");
      return hit;
    }
    std::shared_future<std::shared_ptr<CachedImage>> pending;
    {
      std::lock_guard<std::mutex> lock(inflight_mutex);
      auto it = inflight.find(id);
      if (it != inflight.end()) pending = it->second;
    }
    if (!pending.valid()) {
      const ImageFormat format =
          detect_image_format(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      if (format == ImageFormat::kOther || format == ImageFormat::kUnknown)
        throw HttpError(415, format == ImageFormat::kOther ? "unsupported image format: send a JPEG or PNG"
                                                           : "the upload is not a JPEG or PNG image");
      auto td = Clock::now();
      DecodeOptions decode_options;
      decode_options.apply_exif_orientation = options.exif;
      decode_options.max_pixels = options.max_pixels;
      Image image;
      try {
        image = decode_image_memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                    decode_options, name);
      } catch (const Error& e) {
        throw HttpError(e.code() == ErrorCode::kUnsupported ? 415 : 400, e.what());
      }
      metrics.observe("decode", seconds_since(td));
      timings_ms["decode"] = seconds_since(td) * 1e3;
      auto shared_image = std::make_shared<Image>(std::move(image));
      std::function<std::shared_ptr<CachedImage>()> job = [this, id, shared_image]() {
        struct Done {  // whatever happens, later uploads of these bytes start afresh
          Impl* self;
          std::string id;
          ~Done() {
            std::lock_guard<std::mutex> lock(self->inflight_mutex);
            self->inflight.erase(id);
          }
        } done{this, id};
        auto te = Clock::now();
        auto entry = std::make_shared<CachedImage>();
        entry->id = id;
        entry->width = shared_image->width;
        entry->height = shared_image->height;
        entry->session = std::make_unique<ImageSession>(model, options.exif);
        entry->session->set_image(shared_image->rgb.data(), shared_image->width, shared_image->height);
        entry->bytes = feature_bytes + shared_image->rgb.size();
        metrics.add("encodes");
        metrics.observe("encode", seconds_since(te));
        for (const Timing& t : entry->session->image_timings()) metrics.observe(t.stage, t.ms / 1e3);
        const size_t evicted = cache.evictions();
        cache.put(entry);
        if (cache.evictions() != evicted) release_free_memory();
        return entry;
      };
      std::lock_guard<std::mutex> lock(inflight_mutex);
      auto it = inflight.find(id);
      if (it != inflight.end()) {
        pending = it->second;  // another request started the same image meanwhile
      } else {
        // Never cancelled: other requests may be waiting for this encode.
        pending = queue.submit(std::move(job), nullptr).share();
        inflight[id] = pending;
        if (encoded) *encoded = true;
      }
    }
    const auto tw = Clock::now();
    const auto deadline =
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_s));
    if (pending.wait_until(deadline) != std::future_status::ready) {
      metrics.add("timeouts");
      throw HttpError(
          503, "the image is still being encoded after " + seconds_text(options.timeout_s) + "; retry later");
    }
    std::shared_ptr<CachedImage> image = pending.get();
    timings_ms["encode"] = seconds_since(tw) * 1e3;  // waiting for the worker included
    return image;
  }

  static std::string upload_bytes(const httplib::Request& req, std::string* name) {
    const std::string type = req.get_header_value("Content-Type");
    if (req.is_multipart_form_data()) {
      if (!req.has_file("image")) throw HttpError(400, "the multipart body has no 'image' part");
      const httplib::MultipartFormData f = req.get_file_value("image");
      *name = f.filename.empty() ? "upload" : f.filename;
      return f.content;
    }
    if (type.rfind("image/", 0) == 0 || type.rfind("application/octet-stream", 0) == 0) {
      *name = "upload";
      return req.body;
    }
    throw HttpError(415,
                    "send the image as image/jpeg, image/png, application/octet-stream or a multipart "
                    "'image' part (got Content-Type '" +
                        type + "')");
  }

  // ---- prompts ----------------------------------------------------------------------------

  json segment(const std::shared_ptr<CachedImage>& image, const SegmentRequest& request, Clock::time_point t0,
               std::map<std::string, double>& timings_ms) {
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    std::function<std::vector<cli::PromptRun>()> job = [this, image, request]() {
      auto ts = Clock::now();
      std::vector<cli::PromptRun> runs;
      for (const auto& text : request.texts) {
        cli::PromptRun run;
        run.text = text;
        run.boxes = request.boxes;
        Prompt p;
        p.text = text;
        p.boxes = request.boxes;
        p.threshold = request.threshold;
        run.result = image->session->predict(p);
        for (const Timing& t : run.result.timings) metrics.observe(t.stage, t.ms / 1e3);
        runs.push_back(std::move(run));
      }
      metrics.observe("segment", seconds_since(ts));
      return runs;
    };
    auto future = queue.submit(std::move(job), cancelled);
    std::vector<cli::PromptRun> runs = wait(future, cancelled, t0);
    cli::ImageRun run;
    run.path = image->id;
    run.width = image->width;
    run.height = image->height;
    for (const cli::PromptRun& p : runs)
      for (const Timing& t : p.result.timings) timings_ms[t.stage] += t.ms;
    run.prompts = std::move(runs);
    timings_ms["total"] = seconds_since(t0) * 1e3;
    return {{"model", options.model_path},
            {"device", model.device()},
            {"precision", options.precision},
            {"image_id", image->id},
            {"images", json::array({cli::image_json(run)})},
            {"timings_ms", timings_ms}};
  }

  json click(const std::shared_ptr<CachedImage>& image, ClickRequest request, Clock::time_point t0) {
    if (!model.has_tracker())
      throw HttpError(501,
                      "this model has no tracker weights (tracker.*), which clicks need; serve the full "
                      "sam3.pt, a Hugging Face sam3_video folder or a .sam3rt converted from one");
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    std::function<ClickResult()> job = [this, image, request]() mutable {
      auto ts = Clock::now();
      if (request.previous_mask) {
        if (image->last_logits.empty())
          throw HttpError(400, "mask_input \"previous\": there was no earlier click on this image");
        int k = request.previous_candidate;
        if (k < 0)
          k = static_cast<int>(std::max_element(image->last_iou.begin(), image->last_iou.end()) -
                               image->last_iou.begin());
        if (k >= static_cast<int>(image->last_logits.size()))
          throw HttpError(400, "mask_input_candidate " + std::to_string(k) + ": the last click returned " +
                                   std::to_string(image->last_logits.size()) + " candidate(s)");
        request.prompt.mask_input = image->last_logits[k];
      }
      ClickResult r = image->session->click(request.prompt);
      image->last_logits.clear();
      image->last_iou.clear();
      for (const ClickCandidate& c : r.candidates) {
        image->last_logits.push_back(c.low_res_logits);
        image->last_iou.push_back(c.iou);
      }
      metrics.observe("click", seconds_since(ts));
      return r;
    };
    auto future = queue.submit(std::move(job), cancelled);
    const ClickResult r = wait(future, cancelled, t0);
    json candidates = cli::click_candidates_json(r);
    json points = json::array();
    for (const Point& p : request.prompt.points) points.push_back({{"xy", {p.x, p.y}}, {"label", p.label}});
    std::map<std::string, double> timings_ms;
    for (const Timing& t : r.timings) timings_ms[t.stage] += t.ms;
    timings_ms["total"] = seconds_since(t0) * 1e3;
    return {{"model", options.model_path},
            {"device", model.device()},
            {"image_id", image->id},
            {"image", {{"width", r.width}, {"height", r.height}}},
            {"prompt",
             {{"points", points},
              {"box", request.prompt.box ? json(*request.prompt.box) : json(nullptr)},
              {"mask_input", request.previous_mask               ? json("previous")
                             : request.prompt.mask_input.empty() ? json(nullptr)
                                                                 : json("logits")},
              {"multimask", request.prompt.multimask}}},
            {"object_score_logit", r.object_score_logit},
            {"candidates", candidates},
            {"timings_ms", timings_ms}};
  }

  // ---- routes -----------------------------------------------------------------------------

  void add_routes() {
    http.Post("/v1/images",
              route("images", true, [this](const httplib::Request& req, httplib::Response& res) {
                const auto t0 = Clock::now();
                std::string name;
                const std::string bytes = upload_bytes(req, &name);
                std::map<std::string, double> timings_ms;
                bool encoded = false;
                auto image = encode(bytes, name, t0, timings_ms, &encoded);
                timings_ms["total"] = seconds_since(t0) * 1e3;
                send_json(res, 200,
                          {{"image_id", image->id},
                           {"width", image->width},
                           {"height", image->height},
                           {"encoded", encoded},
                           {"timings_ms", timings_ms}});
              }));
    http.Post(R"(/v1/images/([^/]+)/segment)",
              route("segment", true, [this](const httplib::Request& req, httplib::Response& res) {
                const auto t0 = Clock::now();
                const json body = parse_json_body(req.body, req.get_header_value("Content-Type"));
                auto image = find_image(req.matches[1]);
                const SegmentRequest request = parse_segment_request(body, image->width, image->height);
                std::map<std::string, double> timings_ms;
                send_json(res, 200, segment(image, request, t0, timings_ms));
              }));
    http.Post(R"(/v1/images/([^/]+)/click)",
              route("click", true, [this](const httplib::Request& req, httplib::Response& res) {
                const auto t0 = Clock::now();
                const json body = parse_json_body(req.body, req.get_header_value("Content-Type"));
                auto image = find_image(req.matches[1]);
                ClickRequest request = parse_click_request(body, image->width, image->height,
                                                           model.has_tracker() ? model.mask_input_size() : 0);
                send_json(res, 200, click(image, std::move(request), t0));
              }));
    http.Delete(R"(/v1/images/([^/]+))",
                route("delete", true, [this](const httplib::Request& req, httplib::Response& res) {
                  const std::string id = req.matches[1];
                  if (!cache.erase(id)) throw HttpError(404, "unknown image id '" + id.substr(0, 64) + "'");
                  release_free_memory();
                  send_json(res, 200, {{"deleted", id}});
                }));
    http.Post("/v1/segment",
              route("segment_oneshot", true, [this](const httplib::Request& req, httplib::Response& res) {
                const auto t0 = Clock::now();
                if (!req.is_multipart_form_data())
                  throw HttpError(
                      415,
                      "POST /v1/segment takes multipart/form-data: an 'image' file and a 'prompt' JSON part "
                      "(or 'text', 'boxes', 'threshold' parts)");
                json body = json::object();
                if (req.has_file("prompt")) {
                  body = parse_json_body(req.get_file_value("prompt").content, "application/json");
                } else {
                  if (req.has_file("text")) {
                    json texts = json::array();
                    const auto range = req.files.equal_range("text");
                    for (auto it = range.first; it != range.second; ++it) texts.push_back(it->second.content);
                    body["text"] = texts.size() == 1 ? texts[0] : texts;
                  }
                  for (const char* field : {"boxes", "threshold"})
                    if (req.has_file(field)) {
                      json v = json::parse(req.get_file_value(field).content, nullptr, false);
                      if (v.is_discarded())
                        throw HttpError(400, std::string("the '") + field + "' part is not valid JSON");
                      body[field] = v;
                    }
                }
                std::string name;
                const std::string bytes = upload_bytes(req, &name);
                std::map<std::string, double> timings_ms;
                auto image = encode(bytes, name, t0, timings_ms);
                const SegmentRequest request = parse_segment_request(body, image->width, image->height);
                send_json(res, 200, segment(image, request, t0, timings_ms));
              }));
    http.Get("/v1/health", route("health", false, [this](const httplib::Request&, httplib::Response& res) {
               send_json(res, 200, {{"status", "ok"}, {"queue", queue.length()}, {"busy", queue.busy()}});
             }));
    http.Get("/v1/model", route("model", true, [this](const httplib::Request&, httplib::Response& res) {
               send_json(res, 200,
                         {{"model", options.model_path},
                          {"version", sam3rt::version()},
                          {"device", model.device()},
                          {"precision", options.precision},
                          {"image_size", model.image_size()},
                          {"clicks", model.has_tracker()},
                          {"mask_input_size", model.has_tracker() ? model.mask_input_size() : 0},
                          {"cache_budget_bytes", cache.budget()},
                          {"estimated_bytes_per_image", feature_bytes},
                          {"max_upload_bytes", options.max_upload_bytes},
                          {"queue_capacity", options.queue_capacity},
                          {"timeout_s", options.timeout_s}});
             }));
    http.Get("/metrics", route("metrics", true, [this](const httplib::Request&, httplib::Response& res) {
               res.set_content(
                   metrics.prometheus({{"cache_bytes", static_cast<double>(cache.bytes())},
                                       {"cache_budget_bytes", static_cast<double>(cache.budget())},
                                       {"cache_images", static_cast<double>(cache.entries())},
                                       {"cache_evictions", static_cast<double>(cache.evictions())},
                                       {"queue_length", static_cast<double>(queue.length())},
                                       {"queue_capacity", static_cast<double>(options.queue_capacity)},
                                       {"worker_busy", queue.busy() ? 1.0 : 0.0},
                                       {"slow_clients_dropped", static_cast<double>(guard.dropped())},
                                       {"resident_bytes", static_cast<double>(resident_bytes())},
                                       {"peak_resident_bytes", static_cast<double>(peak_resident_bytes())}}),
                   "text/plain; version=0.0.4");
             }));
    for (const WebAsset& asset : web_assets()) {
      const std::string path = asset.path;
      auto handler = route("page", false, [asset, path](const httplib::Request&, httplib::Response& res) {
        res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, content_type_for(path));
        // The page may not load anything from elsewhere (it is served offline, too).
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' blob: data:; style-src 'self'");
      });
      http.Get(path, handler);
      if (path == "/index.html") http.Get("/", handler);
    }
  }

  // Errors httplib answers by itself (404 no route, 413 over the upload limit, 400 unparsable
  // request) get the same JSON body as ours.
  void add_error_handler() {
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      guard.request_finished(req.remote_addr, req.remote_port);
      if (!res.body.empty()) return;
      std::string message = "error";
      if (res.status == 404)
        message = "no such endpoint: " + req.method + " " + req.path.substr(0, 200) + " (see docs/server.md)";
      else if (res.status == 413)
        message = "the upload is larger than the server's limit of " +
                  std::to_string(options.max_upload_bytes >> 20) + " MiB (--max-upload-mb)";
      else if (res.status == 400)
        message = "malformed HTTP request";
      else if (res.status == 405)
        message = "method not allowed";
      else if (res.status == 414)
        message = "the request line is too long";
      send_error(res, res.status, message);
      if (res.status == 404 || res.status == 413 || res.status == 405)
        metrics.count_request(res.status == 404 ? "unknown" : "rejected", res.status);
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string message = "internal error";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        message += std::string(": ") + e.what();
      } catch (...) {
      }
      send_error(res, 500, message);
    });
  }

  // Backbone features dominate a cached image; their size depends on the model only (every image
  // is resized to image_size), so one probe at start-up gives the estimate the cache budgets with.
  // On the CPU it is measured: the resident memory that one encode (and one click, whose tracker
  // features are computed on the first click) adds, after a first encode has grown the allocator's
  // working set. On a GPU the features live in device memory, which the process's RSS does not
  // show: there the released architecture's count is used, 13,056 floats per cell of the
  // (image_size / 14)² grid (ViT trunk 1024 + three FPN levels and their position encodings
  // 2 × 21 × 256 + the tracker's 5 × 256), 270 MB at 1008 px.
  void estimate_feature_bytes() {
    const int s = model.image_size();
    if (model.device() != "cpu") {
      const size_t g = static_cast<size_t>(s) / 14;
      feature_bytes = g * g * 13056 * sizeof(float);
      return;
    }
    std::vector<uint8_t> grey(static_cast<size_t>(s) * s * 3, 128);
    ClickPrompt click;
    click.points.push_back({s / 2.f, s / 2.f, 1});
    ImageSession warm(model, false);
    warm.set_image(grey.data(), s, s);
    if (model.has_tracker()) warm.click(click);
    ImageSession probe(model, false);
    const size_t before = resident_bytes();
    probe.set_image(grey.data(), s, s);
    if (model.has_tracker()) probe.click(click);
    const size_t after = resident_bytes();
    feature_bytes = std::max<size_t>(after > before ? after - before : 0, size_t{1} << 20);
  }
};

std::string content_type_for(const std::string& path) {
  auto ends = [&](const char* ext) {
    const std::string e = ext;
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

Server::Server(Model model, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(model), std::move(options))) {
  Impl& s = *impl_;
  s.estimate_feature_bytes();
  const size_t threads = static_cast<size_t>(std::max(2, s.options.http_threads));
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.http.set_payload_max_length(s.options.max_upload_bytes);
  const auto usec = static_cast<int64_t>(s.options.read_timeout_s * 1e6);
  s.http.set_read_timeout(usec / 1000000, usec % 1000000);
  s.http.set_write_timeout(usec / 1000000, usec % 1000000);
  s.http.set_keep_alive_timeout(5);
  s.add_routes();
  s.add_error_handler();
}

Server::~Server() {
  stop();
  impl_->queue.stop();
}

int Server::bind() {
  Impl& s = *impl_;
  int port = s.options.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.options.host);
    SAM3RT_CHECK(port > 0, kIo, "cannot listen on ", s.options.host, ": no free port");
  } else {
    SAM3RT_CHECK(s.http.bind_to_port(s.options.host, port), kIo, "cannot listen on ", s.options.host, ":",
                 port, " (in use, or not an address of this machine); pick another with --port");
  }
  return port;
}

void Server::run() {
  impl_->http.listen_after_bind();  // returns after stop(), once the connection threads are joined
  impl_->queue.stop();              // the queued model work finishes
}

void Server::stop() {
  impl_->draining = true;
  impl_->http.stop();
}

}  // namespace sam3rt::serve
