// `sam3rt serve` end to end on the tiny models: every endpoint against a live server on a loopback
// port, its answers against `sam3rt segment --json` / `sam3rt click --json` on the same image,
// the cache (a second prompt does not re-encode, per /metrics; eviction within --cache-mb),
// concurrent clients, the bounded queue (429), the timeout, and a graceful SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/test-util.h"
#include "server/server-process.h"

using namespace sam3rt;
using nlohmann::json;

namespace {

std::string image_path(const std::string& name) { return test::data_dir() + "/sam3-tiny/images/" + name; }
std::string image_bytes(const std::string& name) { return test::read_file(image_path(name)); }

// A metric's value from the Prometheus text (0 when absent): the line "NAME VALUE".
double metric(const std::string& text, const std::string& name) {
  for (size_t at = text.find(name + " "); at != std::string::npos; at = text.find(name + " ", at + 1))
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
  return 0;
}

struct Api {
  httplib::Client client;
  explicit Api(int port) : client("127.0.0.1", port) {
    client.set_read_timeout(60, 0);
    client.set_connection_timeout(5, 0);
  }
  json upload(const std::string& name, int* status = nullptr) {
    auto r = client.Post("/v1/images", image_bytes(name), "image/png");
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    if (status) *status = r->status;
    return json::parse(r->body);
  }
  httplib::Result post_json(const std::string& path, const json& body) {
    return client.Post(path.c_str(), body.dump(), "application/json");
  }
  std::string metrics() {
    auto r = client.Get("/metrics");
    return r ? r->body : "";
  }
};

class ServerApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new test::ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static test::ServerProcess* server_;
};
test::ServerProcess* ServerApi::server_ = nullptr;

TEST_F(ServerApi, HealthModelAndPage) {
  Api api(server_->port());
  auto h = api.client.Get("/v1/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
  auto m = api.client.Get("/v1/model");
  ASSERT_TRUE(m);
  const json model = json::parse(m->body);
  EXPECT_EQ(model["device"], "cpu");
  EXPECT_TRUE(model["clicks"].get<bool>());
  EXPECT_GT(model["image_size"].get<int>(), 0);
  EXPECT_GT(model["estimated_bytes_per_image"].get<double>(), 0);
  auto page = api.client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
}

TEST_F(ServerApi, SegmentAnswersWhatTheCliWrites) {
  Api api(server_->port());
  const json up = api.upload("scene_200x150.png");
  ASSERT_TRUE(up.contains("image_id")) << up.dump();
  EXPECT_EQ(up["width"], 200);
  EXPECT_EQ(up["height"], 150);
  auto r = api.post_json("/v1/images/" + up["image_id"].get<std::string>() + "/segment",
                         {{"text", {"a person", "cat"}}, {"threshold", 0}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json doc = json::parse(r->body);

  std::string out;
  ASSERT_EQ(test::run_command(test::cli_path() + " segment --quiet --device cpu --threads 1" +
                                  test::tiny_model_args() + " --image " + image_path("scene_200x150.png") +
                                  " --text 'a person' --text cat --threshold 0 --json - 2>&1",
                              &out),
            0)
      << out;
  const json cli = json::parse(out);
  const json& ours = doc["images"][0];
  const json& theirs = cli["images"][0];
  EXPECT_EQ(ours["width"], theirs["width"]);
  ASSERT_EQ(ours["prompts"].size(), 2u);
  for (size_t p = 0; p < 2; ++p) {
    const json& a = ours["prompts"][p];
    const json& b = theirs["prompts"][p];
    EXPECT_EQ(a["text"], b["text"]);
    EXPECT_NEAR(a["presence"].get<double>(), b["presence"].get<double>(), 1e-5);
    ASSERT_EQ(a["instances"].size(), b["instances"].size());
    ASSERT_GT(a["instances"].size(), 0u) << "threshold 0 keeps instances";
    for (size_t i = 0; i < a["instances"].size(); ++i) {
      EXPECT_EQ(a["instances"][i]["query"], b["instances"][i]["query"]);
      EXPECT_NEAR(a["instances"][i]["score"].get<double>(), b["instances"][i]["score"].get<double>(), 1e-5);
      EXPECT_EQ(a["instances"][i]["mask"], b["instances"][i]["mask"]);
    }
  }
  for (const char* key : {"model", "device", "precision", "timings_ms", "image_id"})
    EXPECT_TRUE(doc.contains(key)) << key;
}

TEST_F(ServerApi, ClickAnswersWhatTheCliWritesAndRefines) {
  Api api(server_->port());
  const std::string id = api.upload("scene_320x180.png")["image_id"];
  auto r = api.post_json("/v1/images/" + id + "/click", {{"points", {{200, 90}}}, {"labels", {1}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json doc = json::parse(r->body);
  std::string out;
  ASSERT_EQ(test::run_command(test::cli_path() + " click --quiet --device cpu --threads 1" +
                                  test::tiny_model_args() + " --image " + image_path("scene_320x180.png") +
                                  " --point 200,90 --json - 2>&1",
                              &out),
            0)
      << out;
  const json cli = json::parse(out);
  ASSERT_EQ(doc["candidates"].size(), 3u);
  ASSERT_EQ(doc["candidates"].size(), cli["candidates"].size());
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(doc["candidates"][k]["iou"].get<double>(), cli["candidates"][k]["iou"].get<double>(), 1e-5);
    EXPECT_EQ(doc["candidates"][k]["mask"], cli["candidates"][k]["mask"]);
    EXPECT_EQ(doc["candidates"][k]["box_xyxy"], cli["candidates"][k]["box_xyxy"]);
  }
  // A second, negative click seeded with the previous best mask: one candidate.
  r = api.post_json("/v1/images/" + id + "/click",
                    {{"points", {{200, 90}, {100, 50}}}, {"labels", {1, 0}}, {"mask_input", "previous"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["candidates"].size(), 1u);
}

TEST_F(ServerApi, ASecondPromptOnACachedImageDoesNotReEncode) {
  Api api(server_->port());
  int status = 0;
  const json up = api.upload("scene_96x64.png", &status);
  ASSERT_EQ(status, 200);
  const std::string id = up["image_id"];
  const double encodes = metric(api.metrics(), "sam3rt_encodes_total");
  ASSERT_GE(encodes, 1);
  for (const char* text : {"cat", "dog", "cat"}) {
    auto r = api.post_json("/v1/images/" + id + "/segment", {{"text", text}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  auto c = api.post_json("/v1/images/" + id + "/click", {{"points", {{10, 10}}}, {"labels", {1}}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 200) << c->body;
  // The same bytes again: a cache hit, not an encode.
  const json again = api.upload("scene_96x64.png");
  EXPECT_EQ(again["image_id"], id);
  EXPECT_FALSE(again["encoded"].get<bool>());
  const std::string text = api.metrics();
  EXPECT_EQ(metric(text, "sam3rt_encodes_total"), encodes) << text;
  EXPECT_GE(metric(text, "sam3rt_cache_hits_total"), 1);
  EXPECT_GE(metric(text, R"(sam3rt_requests_total{route="segment",code="200"})"), 3);
  EXPECT_GT(metric(text, R"(sam3rt_stage_seconds_count{stage="encode"})"), 0);
  EXPECT_GT(metric(text, R"(sam3rt_stage_seconds_count{stage="queue"})"), 0);
  EXPECT_GT(metric(text, "sam3rt_cache_bytes"), 0);
  EXPECT_NE(text.find("sam3rt_queue_length"), std::string::npos);
}

TEST_F(ServerApi, OneShotMultipartAndDelete) {
  Api api(server_->port());
  httplib::MultipartFormDataItems items = {
      {"image", image_bytes("scene_50x75.png"), "scene.png", "image/png"},
      {"text", "cat", "", ""},
      {"threshold", "0", "", ""}};
  auto r = api.client.Post("/v1/segment", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json doc = json::parse(r->body);
  EXPECT_EQ(doc["images"][0]["width"], 50);
  EXPECT_GT(doc["images"][0]["prompts"][0]["instances"].size(), 0u);
  const std::string id = doc["image_id"];
  // The one-shot image is cached like an upload; the prompt part may also be one JSON document.
  items = {{"image", image_bytes("scene_50x75.png"), "scene.png", "image/png"},
           {"prompt", R"({"text": "dog", "boxes": [[5, 5, 30, 40]]})", "", ""}};
  r = api.client.Post("/v1/segment", items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["images"][0]["prompts"][0]["boxes"].size(), 1u);
  auto d = api.client.Delete(("/v1/images/" + id).c_str());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 200);
  d = api.client.Delete(("/v1/images/" + id).c_str());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 404);
  auto s = api.post_json("/v1/images/" + id + "/segment", {{"text", "cat"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 404);
  EXPECT_NE(json::parse(s->body)["error"]["message"].get<std::string>().find("unknown image id"),
            std::string::npos);
}

TEST_F(ServerApi, ConcurrentClientsAllSucceedAndShareEncodes) {
  const std::vector<std::string> images = {"scene_13x9.png", "scene_168x168.png", "scene_96x64.png",
                                           "scene_50x75.png"};
  const double encodes_before = metric(Api(server_->port()).metrics(), "sam3rt_encodes_total");
  std::atomic<int> failures{0}, ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      Api api(server_->port());
      const std::string name = images[c % images.size()];
      for (int round = 0; round < 5; ++round) {
        int status = 0;
        const json up = api.upload(name, &status);
        if (status != 200) {
          ++failures;
          continue;
        }
        const std::string id = up["image_id"];
        auto s = api.post_json("/v1/images/" + id + "/segment", {{"text", round % 2 ? "cat" : "dog"}});
        auto k = api.post_json("/v1/images/" + id + "/click", {{"points", {{5, 5}}}, {"labels", {1}}});
        if (!s || s->status != 200 || !k || k->status != 200)
          ++failures;
        else
          ++ok;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(ok, 40);
  // Each distinct image encoded at most once (concurrent uploads of the same bytes coalesce);
  // scene_96x64 / scene_50x75 may already be cached from other tests.
  const double encodes = metric(Api(server_->port()).metrics(), "sam3rt_encodes_total") - encodes_before;
  EXPECT_LE(encodes, static_cast<double>(images.size()));
}

TEST(ServerLimits, AFullQueueAnswers429WithRetryAfter) {
  test::ServerProcess server({"--queue", "1"});
  Api setup(server.port());
  const std::string id = setup.upload("scene_200x150.png")["image_id"];
  json texts = json::array();
  for (int i = 0; i < 64; ++i) texts.push_back("thing " + std::to_string(i));  // a slow job
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 12; ++c)
    clients.emplace_back([&] {
      Api api(server.port());
      auto r = api.post_json("/v1/images/" + id + "/segment", {{"text", texts}});
      if (r && r->status == 200)
        ++ok;
      else if (r && r->status == 429 && r->has_header("Retry-After") &&
               json::parse(r->body).contains("error"))
        ++busy;
      else
        ++other;
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(other, 0);
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
  EXPECT_GE(metric(setup.metrics(), "sam3rt_rejected_total"), busy.load());
  EXPECT_EQ(setup.client.Get("/v1/health")->status, 200);
}

TEST(ServerLimits, ARequestOverTheTimeoutIs503) {
  test::ServerProcess server({"--timeout", "0.001"});
  Api api(server.port());
  int status = 0;
  api.upload("scene_320x180.png", &status);
  EXPECT_EQ(status, 503);
  EXPECT_EQ(api.client.Get("/v1/health")->status, 200);
}

TEST(ServerLimits, TheCacheEvictsTheLeastRecentlyUsedImage) {
  test::ServerProcess server({"--cache-mb", "0.001"});  // room for one image
  Api api(server.port());
  const std::string first = api.upload("scene_96x64.png")["image_id"];
  const std::string second = api.upload("scene_50x75.png")["image_id"];
  EXPECT_EQ(api.post_json("/v1/images/" + first + "/segment", {{"text", "cat"}})->status, 404);
  EXPECT_EQ(api.post_json("/v1/images/" + second + "/segment", {{"text", "cat"}})->status, 200);
  const std::string text = api.metrics();
  EXPECT_EQ(metric(text, "sam3rt_cache_images"), 1);
  EXPECT_EQ(metric(text, "sam3rt_cache_evictions"), 1);
}

TEST(ServerLimits, ClicksOnAModelWithoutTrackerAre501) {
  test::ServerProcess server({}, /*tracker=*/false);
  Api api(server.port());
  const std::string id = api.upload("scene_96x64.png")["image_id"];
  auto r = api.post_json("/v1/images/" + id + "/click", {{"points", {{5, 5}}}, {"labels", {1}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 501);
  EXPECT_NE(json::parse(r->body)["error"]["message"].get<std::string>().find("tracker"), std::string::npos);
}

TEST(ServerLimits, SigtermFinishesTheRequestInFlightThenExitsZero) {
  test::ServerProcess server;
  Api setup(server.port());
  const std::string id = setup.upload("scene_200x150.png")["image_id"];
  json texts = json::array();
  for (int i = 0; i < 64; ++i) texts.push_back("thing " + std::to_string(i));
  std::atomic<int> status{0};
  std::thread client([&] {
    Api api(server.port());
    auto r = api.post_json("/v1/images/" + id + "/segment", {{"text", texts}});
    status = r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the request is in flight
  EXPECT_EQ(server.terminate(), 0) << server.log();
  client.join();
  EXPECT_EQ(status, 200);
}

}  // namespace
