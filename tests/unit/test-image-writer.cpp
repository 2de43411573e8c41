// write_png: round trips through the decoder, atomic replacement, clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "io/image.h"
#include "io/png-writer.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

class PngWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sam3rt-pngw-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  bool no_temp_files() const {
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) return false;
    return true;
  }
  fs::path dir_;
};

TEST_F(PngWriterTest, RgbAndGrayRoundTrip) {
  std::vector<uint8_t> rgb(7 * 5 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 37);
  write_png(path("rgb.png"), rgb.data(), 7, 5, 3);
  const Image a = decode_image_file(path("rgb.png"));
  EXPECT_EQ(a.width, 7);
  EXPECT_EQ(a.height, 5);
  EXPECT_EQ(a.rgb, rgb);

  std::vector<uint8_t> gray(4 * 3);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<uint8_t>(i * 20);
  write_png(path("gray.png"), gray.data(), 4, 3, 1);
  const Image b = decode_image_file(path("gray.png"));
  ASSERT_EQ(b.rgb.size(), gray.size() * 3);
  for (size_t i = 0; i < gray.size(); ++i) EXPECT_EQ(b.rgb[i * 3 + 1], gray[i]);
  EXPECT_TRUE(no_temp_files());
}

TEST_F(PngWriterTest, TensorLayouts) {
  Tensor hw = Tensor::empty(Shape{2, 3}, DType::kU8);
  for (int i = 0; i < 6; ++i) hw.data<uint8_t>()[i] = static_cast<uint8_t>(i * 40);
  write_png(path("hw.png"), hw);
  EXPECT_EQ(decode_image_file(path("hw.png")).width, 3);

  Tensor chw = Tensor::empty(Shape{3, 2, 2}, DType::kU8);
  for (int i = 0; i < 12; ++i) chw.data<uint8_t>()[i] = static_cast<uint8_t>(i);
  write_png(path("chw.png"), chw);
  const Image im = decode_image_file(path("chw.png"));
  EXPECT_EQ(image_to_chw_tensor(im).to_vector(), chw.to_vector());
  write_png(path("hwc.png"), chw.permute({1, 2, 0}));  // a strided [H, W, 3] view
  EXPECT_EQ(decode_image_file(path("hwc.png")).rgb, im.rgb);
  EXPECT_THROW(write_png(path("bad.png"), Tensor::zeros(Shape{2, 2, 2}, DType::kU8)), Error);
  EXPECT_THROW(write_png(path("bad.png"), Tensor::zeros(Shape{2, 2})), Error);  // f32
}

TEST_F(PngWriterTest, ReplacesExistingFileAtomically) {
  const uint8_t one[3] = {1, 2, 3}, two[3] = {9, 8, 7};
  write_png(path("x.png"), one, 1, 1, 3);
  write_png(path("x.png"), two, 1, 1, 3);
  EXPECT_EQ(decode_image_file(path("x.png")).rgb, (std::vector<uint8_t>{9, 8, 7}));
  EXPECT_TRUE(no_temp_files());
}

TEST_F(PngWriterTest, UnwritablePathIsAClearError) {
  const uint8_t px[3] = {0, 0, 0};
  const std::string bad = path("no-such-folder/out.png");
  try {
    write_png(bad, px, 1, 1, 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  // The target is a folder: the temp file is written, the rename fails and the temp is removed.
  fs::create_directories(path("taken.png"));
  fs::create_directories(path("taken.png/inside"));
  EXPECT_THROW(write_png(path("taken.png"), px, 1, 1, 3), Error);
  EXPECT_TRUE(no_temp_files());
  EXPECT_THROW(write_png(path("zero.png"), px, 0, 1, 3), Error);
  EXPECT_THROW(write_png(path("two.png"), px, 1, 1, 2), Error);
}

}  // namespace
}  // namespace sam3rt
