// `sam3rt serve`: the HTTP API and web page (docs/server.md). Loads the model once, binds to
// loopback unless told otherwise, and stops gracefully on SIGTERM or Ctrl-C: requests in flight
// and queued model work finish, new requests get 503.
#include <semaphore.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "tools/sam3rt/commands.h"
#include "tools/sam3rt/model-options.h"
#include "tools/sam3rt/serve/process-memory.h"
#include "tools/sam3rt/serve/server.h"

namespace sam3rt::cli {

namespace {

sem_t g_stop;
volatile sig_atomic_t g_signal = 0;

struct ServeOptions {
  ModelCliOptions m;
  serve::ServerOptions s;
  double max_upload_mb = 32, cache_mb = 2048;
};

int run_serve(ServeOptions& o) {
  if (o.s.port < 0 || o.s.port > 65535) throw UsageError("--port must be in 0..65535 (0 = any free port)");
  if (!(o.max_upload_mb > 0) || o.max_upload_mb > 4096)
    throw UsageError("--max-upload-mb must be in (0, 4096]");
  if (!(o.cache_mb > 0)) throw UsageError("--cache-mb must be > 0");
  if (o.s.queue_capacity < 1) throw UsageError("--queue must be >= 1");
  if (!(o.s.timeout_s > 0)) throw UsageError("--timeout must be > 0 seconds");
  if (!(o.s.read_timeout_s >= 0.1)) throw UsageError("--read-timeout must be >= 0.1 seconds");
  o.s.max_upload_bytes = static_cast<size_t>(o.max_upload_mb * (1 << 20));
  o.s.cache_bytes = static_cast<size_t>(o.cache_mb * (1 << 20));
  o.s.model_path = o.m.model;
  o.s.precision = o.m.precision;
  o.s.exif = o.m.exif;

  // SIGTERM/SIGINT only post a semaphore (async-signal-safe); a thread waiting on it stops the
  // server. Blocking the signals instead would not do: OpenBLAS's threads, started when the
  // library loaded, would still take them and die by the default action.
  sem_init(&g_stop, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = [](int sig) {
    g_signal = sig;
    sem_post(&g_stop);
  };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  serve::limit_heap_arenas();
  Model model = load_cli_model(o.m);
  serve::Server server(model, o.s);
  const int port = server.bind();
  std::fprintf(stderr, "sam3rt serve: listening on http://%s:%d/ (model %s on %s)%s\n", o.s.host.c_str(),
               port, o.m.model.c_str(), model.device().c_str(),
               o.s.api_key.empty() ? "" : ", API key required");
  std::fflush(stderr);
  std::thread waiter([&] {
    while (sem_wait(&g_stop) != 0) {
    }
    if (g_signal == 0) return;  // run() ended by itself
    std::fprintf(stderr, "sam3rt serve: %s received, finishing the requests in flight\n",
                 g_signal == SIGTERM ? "SIGTERM" : "SIGINT");
    server.stop();
  });
  server.run();
  sem_post(&g_stop);  // wakes the waiter when run() ended without a signal
  waiter.join();
  std::fprintf(stderr, "sam3rt serve: stopped\n");
  return 0;
}

static CommandRegistrar reg(
    "serve", "HTTP API and web page: upload an image once, then segment by text, boxes or clicks",
    [](CLI::App& cmd) {
      auto o = std::make_shared<ServeOptions>();
      add_model_options(cmd, o->m, "Model: sam3.pt, a .sam3rt file or a Hugging Face folder");
      cmd.add_option("--host", o->s.host, "Address to listen on (0.0.0.0 = every interface)")
          ->capture_default_str();
      cmd.add_option("--port", o->s.port, "TCP port (0 = any free port, printed)")->capture_default_str();
      cmd.add_option("--api-key", o->s.api_key,
                     "Require this key ('Authorization: Bearer KEY' or 'X-API-Key: KEY') on every API call");
      cmd.add_option("--max-upload-mb", o->max_upload_mb, "Largest request body, in MiB")
          ->capture_default_str();
      cmd.add_option("--cache-mb", o->cache_mb, "Memory for encoded images (LRU), in MiB")
          ->capture_default_str();
      cmd.add_option("--queue", o->s.queue_capacity, "Requests that may wait for the model before 429")
          ->capture_default_str();
      cmd.add_option("--timeout", o->s.timeout_s, "Seconds a request may take, waiting included, before 503")
          ->capture_default_str();
      cmd.add_option(
             "--read-timeout", o->s.read_timeout_s,
             "Seconds a client may take to send one request (headers and body); slower ones are dropped")
          ->capture_default_str();
      cmd.add_option("--http-threads", o->s.http_threads, "Connections served at once")
          ->capture_default_str();
      cmd.footer("The API is described in docs/server.md; the web page is at http://HOST:PORT/.");
      return [o] { return run_serve(*o); };
    });

}  // namespace

}  // namespace sam3rt::cli
