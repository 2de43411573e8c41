#include <gtest/gtest.h>

#include "backend/backend.h"
#include "core/error.h"

using namespace sam3rt;

TEST(DeviceSelection, CpuAndAutoWork) {
  EXPECT_EQ(select_device("cpu"), Device::cpu());
  Device d = select_device("auto");
  // Without a hardware GPU (lavapipe's Vulkan device is a software one), auto must land on the CPU.
  if (list_devices().front().device.is_cpu()) {
    EXPECT_TRUE(d.is_cpu());
  }
  EXPECT_EQ(select_device(""), d);
  // The CPU comes after every device auto may pick, and before the software ones it passes over.
  const std::vector<DeviceInfo> all = list_devices();
  bool seen_cpu = false;
  for (const DeviceInfo& info : all) {
    if (seen_cpu) {
      EXPECT_TRUE(info.software) << info.name << " is listed after the CPU";
    } else if (!info.device.is_cpu()) {
      EXPECT_FALSE(info.software) << info.name << " is listed before the CPU";
    }
    seen_cpu = seen_cpu || info.device.is_cpu();
  }
  EXPECT_TRUE(seen_cpu);
}

TEST(DeviceSelection, UnknownDeviceIsInvalidArgument) {
  for (const char* spec : {"tpu", "cuda:x", "cuda:", "gpu0", "cuda:99999999"}) {
    try {
      select_device(spec);
      FAIL() << spec << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << spec << ": " << e.what();
    }
  }
}

TEST(DeviceSelection, UnavailableGpuSaysWhatToDo) {
  if (device_count(DeviceType::kCUDA) > 0) GTEST_SKIP() << "CUDA kernels are built and a device is present";
  try {
    select_device("cuda:0");
    FAIL() << "cuda:0 was accepted without CUDA kernels";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeviceUnavailable);
    EXPECT_NE(std::string(e.what()).find("--device cpu"), std::string::npos) << e.what();
  }
  try {
    select_device("metal");
    FAIL() << "metal was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeviceUnavailable);
    EXPECT_NE(std::string(e.what()).find("Metal"), std::string::npos) << e.what();
  }
}
