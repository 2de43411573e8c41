// Bad input never takes `sam3rt serve` down: each malformed request gets a 4xx with a JSON error
// body, and the server answers the next request (health, and a real prompt) afterwards.
// Misbehaving clients (a disconnect mid-upload, a slowloris) are played over raw sockets.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/test-util.h"
#include "server/server-process.h"

using namespace sam3rt;
using nlohmann::json;

namespace {

std::string image_bytes(const std::string& name) {
  return test::read_file(test::data_dir() + "/sam3-tiny/images/" + name);
}

class ServerBadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new test::ServerProcess({"--max-upload-mb", "1", "--read-timeout", "1"});
    httplib::Client c("127.0.0.1", server_->port());
    auto r = c.Post("/v1/images", image_bytes("scene_96x64.png"), "image/png");
    ASSERT_TRUE(r);
    id_ = json::parse(r->body)["image_id"];
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // The answer is `status` with a JSON error body, and the server still works.
  static void expect_error(const httplib::Result& r, int status, const std::string& message_part = "") {
    ASSERT_TRUE(r) << "no answer";
    EXPECT_EQ(r->status, status) << r->body;
    const json body = json::parse(r->body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << r->body;
    ASSERT_TRUE(body.contains("error")) << r->body;
    EXPECT_EQ(body["error"]["code"], status);
    const std::string message = body["error"]["message"];
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
    if (!message_part.empty()) {
      EXPECT_NE(message.find(message_part), std::string::npos) << message;
    }
    expect_alive();
  }
  static void expect_alive() {
    ASSERT_TRUE(server_->alive()) << server_->log();
    httplib::Client c("127.0.0.1", server_->port());
    auto h = c.Get("/v1/health");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    auto s = c.Post(("/v1/images/" + id_ + "/segment").c_str(), R"({"text": "cat"})", "application/json");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, 200) << s->body;
  }
  httplib::Result segment(const std::string& body, const std::string& type = "application/json") {
    return client().Post(("/v1/images/" + id_ + "/segment").c_str(), body, type.c_str());
  }
  httplib::Result click(const std::string& body) {
    return client().Post(("/v1/images/" + id_ + "/click").c_str(), body, "application/json");
  }
  httplib::Client& client() {
    if (!client_) client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    return *client_;
  }

  static test::ServerProcess* server_;
  static std::string id_;
  std::unique_ptr<httplib::Client> client_;
};
test::ServerProcess* ServerBadInput::server_ = nullptr;
std::string ServerBadInput::id_;

TEST_F(ServerBadInput, MalformedJson) {
  expect_error(segment(R"({"text": )"), 400, "not valid JSON");
  expect_error(segment("[1, 2]"), 400, "JSON object");
  expect_error(segment(""), 400);
  expect_error(segment(R"({"text": 5})"), 400, "text");
  expect_error(segment(R"({"txt": "cat"})"), 400, "unknown field 'txt'");
  expect_error(segment(R"({})"), 400, "give a text");
  expect_error(segment(R"({"text": "cat", "threshold": 2})"), 400, "threshold");
  expect_error(segment(R"({"boxes": [[10, 10, 5, 5]]})"), 400, "x1 < x0");
  expect_error(segment(R"({"boxes": [{"xyxy": [1, 2, 3, 4], "label": "maybe"}]})"), 400, "label");
  expect_error(click(R"({"points": [[1, 2]], "labels": [1, 0]})"), 400, "differ in length");
  expect_error(click(R"({"points": [[1, 2]], "labels": [7]})"), 400, "labels[0]");
  expect_error(click(R"({"points": [[1, 2]], "labels": [1], "mask_input": [1, 2, 3]})"), 400, "mask_input");
  expect_error(click(R"({})"), 400, "give points");
}

TEST_F(ServerBadInput, WrongContentType) {
  expect_error(segment(R"({"text": "cat"})", "text/plain"), 415, "application/json");
  expect_error(client().Post("/v1/images", "hello", "text/plain"), 415, "Content-Type");
  expect_error(client().Post("/v1/segment", R"({"text": "cat"})", "application/json"), 415, "multipart");
  expect_error(client().Post("/v1/images", "GIF89a\x01\x00\x01\x00", "image/gif"), 415);
}

TEST_F(ServerBadInput, TruncatedHugeAndEmptyImages) {
  const std::string png = image_bytes("scene_320x180.png");
  expect_error(client().Post("/v1/images", png.substr(0, png.size() / 2), "image/png"), 400, "truncated");
  expect_error(client().Post("/v1/images", test::huge_png(), "image/png"), 400);
  expect_error(client().Post("/v1/images", "", "image/png"), 400, "empty");
  expect_error(client().Post("/v1/images", std::string(1000, 'x'), "application/octet-stream"), 415);
}

TEST_F(ServerBadInput, UploadOverTheLimit) {
  expect_error(client().Post("/v1/images", std::string(3 << 20, '\x89'), "image/png"), 413,
               "--max-upload-mb");
}

TEST_F(ServerBadInput, UnknownIdsAndEndpoints) {
  expect_error(client().Post("/v1/images/0123456789abcdef/segment", R"({"text": "cat"})", "application/json"),
               404, "unknown image id");
  expect_error(client().Post("/v1/images/../../etc/passwd/click", R"({})", "application/json"), 404);
  expect_error(client().Delete("/v1/images/nope"), 404);
  expect_error(client().Get("/v2/everything"), 404, "no such endpoint");
  // Bytes that are not UTF-8, in the path and in a multipart file name quoted by an error.
  httplib::Client raw("127.0.0.1", server_->port());
  raw.set_url_encode(false);
  expect_error(raw.Post("/v1/images/%FF%FE/segment", R"({"text": "cat"})", "application/json"), 404);
  const std::string png = image_bytes("scene_96x64.png");
  expect_error(client().Post("/v1/segment", httplib::MultipartFormDataItems{{"image", png.substr(0, 100),
                                                                             "\xff\xfe.png", "image/png"},
                                                                            {"text", "cat", "", ""}}),
               400);
}

TEST_F(ServerBadInput, NonFiniteAndAbsurdCoordinates) {
  expect_error(click(R"({"points": [[NaN, 2]], "labels": [1]})"), 400);
  expect_error(click(R"({"points": [["NaN", 2]], "labels": [1]})"), 400, "number");
  expect_error(click(R"({"points": [[1e999, 2]], "labels": [1]})"), 400);
  expect_error(click(R"({"points": [[1e30, 2]], "labels": [1]})"), 400, "far outside");
  expect_error(segment(R"({"boxes": [[null, 1, 2, 3]]})"), 400, "number");
  expect_error(segment(R"({"boxes": [[-1e20, 1, 2, 3]]})"), 400, "far outside");
}

TEST_F(ServerBadInput, AClientThatDisconnectsMidUpload) {
  for (int i = 0; i < 5; ++i) {
    const int fd = test::connect_loopback(server_->port());
    ASSERT_GE(fd, 0);
    const std::string head =
        "POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 500000\r\n\r\n";
    const std::string part = image_bytes("scene_320x180.png").substr(0, 2000);
    ASSERT_GT(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), 0);
    ASSERT_GT(::send(fd, part.data(), part.size(), MSG_NOSIGNAL), 0);
    ::close(fd);
  }
  expect_alive();
}

TEST_F(ServerBadInput, ASlowlorisIsDroppedAndOthersAreServed) {
  // Sends a header byte every 300 ms, never finishing; with --read-timeout 1 the server drops it
  // while it keeps answering everyone else.
  const int fd = test::connect_loopback(server_->port());
  ASSERT_GE(fd, 0);
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string head = "POST /v1/images HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  ASSERT_GT(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), 0);
  bool dropped = false;
  const auto t0 = std::chrono::steady_clock::now();
  while (!dropped && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15)) {
    expect_alive();
    if (::send(fd, "a", 1, MSG_NOSIGNAL) < 0) dropped = true;
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) dropped = true;
    if (n > 0) dropped = true;  // an error answer before closing is fine too
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::close(fd);
  EXPECT_TRUE(dropped) << "the server kept a trickling client for 15 s";
  expect_alive();
  auto m = client().Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body.find("sam3rt_slow_clients_dropped 0\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("sam3rt_slow_clients_dropped "), std::string::npos);
}

TEST(ServerAuth, MissingOrIncorrectApiKey) {
  test::ServerProcess server({"--api-key", "s3cret"});
  httplib::Client c("127.0.0.1", server.port());
  auto r = c.Post("/v1/images", image_bytes("scene_96x64.png"), "image/png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(json::parse(r->body).contains("error"));
  r = c.Get("/metrics", {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_TRUE(json::parse(r->body).contains("error"));
  r = c.Get("/v1/model", {{"X-API-Key", "s3cre"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // The right key, both ways; health and the page need none.
  r = c.Post("/v1/images", {{"Authorization", "Bearer s3cret"}}, image_bytes("scene_96x64.png"), "image/png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = c.Get("/v1/model", {{"X-API-Key", "s3cret"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(c.Get("/v1/health")->status, 200);
  EXPECT_EQ(c.Get("/")->status, 200);
}

}  // namespace
