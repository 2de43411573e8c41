// The whole image model on a Vulkan device (lavapipe in CI): every fixture case, every tensor of its
// float32 reference file, with the same bars as the CPU (tests/parity/test-every-fixture-tensor.cpp);
// `sam3rt segment --device vulkan` against `--device cpu` on every case; `auto` never picking a
// software Vulkan device.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/sam3-fixtures.h"
#include "common/temp-dir.h"
#include "vulkan/vulkan-test-util.h"

namespace sam3rt::test {
namespace {

class VulkanModel : public ::testing::TestWithParam<std::string> {};

TEST_P(VulkanModel, EveryFixtureTensorMatchesTheFloat32Reference) {
  SAM3RT_REQUIRE_VULKAN();
  const FixtureCase c = load_case(GetParam());
  pipeline::ImageSession& session = tiny_session(gpu());
  EXPECT_GE(expect_dump_matches_case(c, run_case_with_dump(session, c), "vulkan"), 30);
}

INSTANTIATE_TEST_SUITE_P(AllCases, VulkanModel, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string fmt(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

// `sam3rt segment` of a fixture case (its image, text and pixel boxes, threshold 0) on `device`.
nlohmann::json segment_case(const nlohmann::json& meta, const std::string& device) {
  const std::string tiny = data_dir() + "/sam3-tiny/";
  std::string args = " --model " + quote(tiny + "model/sam3-tiny.pt") + " --config " +
                     quote(tiny + "model/sam3-tiny.config.json") + " --tokenizer " +
                     quote(tiny + "model/tiny-bpe.txt.gz") + " --image " +
                     quote(tiny + std::string(meta["image"]));
  if (!meta["text"].is_null()) args += " --text " + quote(meta["text"]);
  const float W = meta["original_size_wh"][0], H = meta["original_size_wh"][1];
  for (const auto& b : meta["boxes"]) {
    const float cx = b[0][0], cy = b[0][1], w = b[0][2], h = b[0][3];
    args += " --box " + fmt((cx - 0.5f * w) * W) + "," + fmt((cy - 0.5f * h) * H) + "," +
            fmt((cx + 0.5f * w) * W) + "," + fmt((cy + 0.5f * h) * H) + (b[1] ? "" : ":neg");
  }
  std::string out;
  EXPECT_EQ(run_command(quote(cli_path()) + " segment" + args + " --threshold 0 --quiet --json - --device " +
                            device + " 2>&1",
                        &out),
            0)
      << out;
  return nlohmann::json::parse(out, nullptr, false);
}

// The same instances (query, score within 1e-5, box within 1e-3 px, the same mask) on both devices.
TEST(VulkanModelCli, SegmentGivesTheCpuJsonOnEveryCase) {
  SAM3RT_REQUIRE_VULKAN();
  for (const auto& e : std::filesystem::directory_iterator(data_dir() + "/sam3-tiny/cases")) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().stem().string());
    const nlohmann::json meta = nlohmann::json::parse(std::ifstream(e.path()));
    const nlohmann::json vk = segment_case(meta, "vulkan"), cpu = segment_case(meta, "cpu");
    ASSERT_FALSE(vk.is_discarded());
    ASSERT_FALSE(cpu.is_discarded());
    EXPECT_EQ(vk["device"], "vulkan:0");
    const auto& a = vk["images"][0]["prompts"][0]["instances"];
    const auto& b = cpu["images"][0]["prompts"][0]["instances"];
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k]["query"], b[k]["query"]) << "instance " << k;
      EXPECT_NEAR(float(a[k]["score"]), float(b[k]["score"]), 1e-5) << "instance " << k;
      for (int c = 0; c < 4; ++c)
        EXPECT_NEAR(float(a[k]["box_xyxy"][c]), float(b[k]["box_xyxy"][c]), 1e-3) << "instance " << k;
      EXPECT_EQ(a[k]["mask"], b[k]["mask"]) << "instance " << k;
    }
  }
}

// lavapipe runs the shaders on the CPU, slower than the CPU backend: `auto` passes over a software
// device, and an explicit request still gets it.
TEST(VulkanDevices, AutoPassesOverSoftwareDevicesAndExplicitRequestsUseThem) {
  SAM3RT_REQUIRE_VULKAN();
  const std::vector<DeviceInfo> all = find_backend(DeviceType::kVulkan)->devices();
  bool hardware = false;
  for (const DeviceInfo& d : all) hardware = hardware || !d.software;
  EXPECT_EQ(select_device("vulkan"), gpu());
  EXPECT_EQ(select_device("vulkan:0"), gpu());
  const Device chosen = select_device("auto");
  if (device_count(DeviceType::kCUDA) == 0 && !hardware) {
    EXPECT_TRUE(chosen.is_cpu()) << chosen.str();
  }
  std::string out;
  ASSERT_EQ(run_command(quote(cli_path()) + " devices 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("Vulkan, driver"), std::string::npos) << out;
}

}  // namespace
}  // namespace sam3rt::test
