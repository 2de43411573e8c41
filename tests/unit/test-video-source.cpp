// Frame sources (folders, images, video files) and the video writer: frame order, pixels, access
// in any order, and clear one-line errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/temp-dir.h"
#include "common/test-util.h"
#include "io/image.h"
#include "io/png-writer.h"
#include "io/video-source.h"
#include "io/video-writer.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;
using io::FrameSource;
using io::open_frame_source;
using io::VideoWriter;

// A synthetic frame: a gradient background getting bluer, a red square moving right, a green disc
// moving down and a blue bar growing with `t` (RGB u8 [3, h, w]).
Tensor synthetic_frame(int t, int w, int h) {
  Tensor img = Tensor::empty(Shape{3, h, w}, DType::kU8);
  uint8_t* p = img.data<uint8_t>();
  const int64_t hw = int64_t{w} * h;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int r = 40 + 120 * x / w, g = 60 + 100 * y / h, b = 60 + 6 * t;
      if (x >= 4 + 3 * t && x < 20 + 3 * t && y >= 6 && y < 22) r = 230, g = 30, b = 30;
      const int dx = x - w / 2, dy = y - (8 + 2 * t);
      if (dx * dx + dy * dy < 81) r = 30, g = 220, b = 40;
      if (y >= h - 8 && x < 2 * t + 4) r = 20, g = 40, b = 230;
      const int64_t i = int64_t{y} * w + x;
      p[i] = static_cast<uint8_t>(r);
      p[hw + i] = static_cast<uint8_t>(g);
      p[2 * hw + i] = static_cast<uint8_t>(b);
    }
  }
  return img;
}

// Solid-colour frame whose colour encodes `id`, for order tests.
Tensor solid_frame(int id, int w = 8, int h = 6) {
  Tensor img = Tensor::empty(Shape{3, h, w}, DType::kU8);
  uint8_t* p = img.data<uint8_t>();
  const int64_t hw = int64_t{w} * h;
  for (int64_t i = 0; i < hw; ++i) {
    p[i] = static_cast<uint8_t>(id * 10);
    p[hw + i] = static_cast<uint8_t>(255 - id);
    p[2 * hw + i] = static_cast<uint8_t>(i);
  }
  return img;
}

int frame_id(const Tensor& frame) { return frame.data<uint8_t>()[0] / 10; }

std::vector<int> ids_in_order(FrameSource& source) {
  std::vector<int> ids;
  for (int64_t i = 0; i < source.info().frame_count; ++i) ids.push_back(frame_id(source.frame(i)));
  return ids;
}

bool same_pixels(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::equal(a.data<uint8_t>(), a.data<uint8_t>() + a.numel(), b.data<uint8_t>());
}

double mean_abs_diff(const Tensor& a, const Tensor& b) {
  double sum = 0;
  const uint8_t *pa = a.data<uint8_t>(), *pb = b.data<uint8_t>();
  for (int64_t i = 0; i < a.numel(); ++i) sum += std::abs(int{pa[i]} - int{pb[i]});
  return sum / static_cast<double>(a.numel());
}

// Runs `body`, expects sam3rt::Error of `code` with a one-line message containing `needle`.
template <class F>
void expect_error(F&& body, ErrorCode code, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "no error (expected " << error_code_name(code) << " mentioning '" << needle << "')";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message is not one line: " << e.what();
  }
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// --- folders and images ----------------------------------------------------------------------

TEST(VideoFolder, IntegerStemsInNumericOrder) {
  test::TempDir dir;
  for (int id : {2, 10, 1}) write_png(dir.file(std::to_string(id) + ".png"), solid_frame(id));
  std::ofstream(dir.file("notes.txt")) << "not a frame";
  fs::create_directory(dir.file("sub.png"));  // a folder with an image name is not a frame
  auto source = open_frame_source(dir.path());
  EXPECT_EQ(source->info().kind, "folder");
  EXPECT_EQ(source->info().frame_count, 3);
  EXPECT_EQ(source->info().width, 8);
  EXPECT_EQ(source->info().height, 6);
  EXPECT_EQ(source->info().fps, 0);
  EXPECT_EQ(ids_in_order(*source), (std::vector<int>{1, 2, 10}));
}

TEST(VideoFolder, LeadingZerosSignsAndCaseInsensitiveExtensions) {
  test::TempDir dir;
  write_png(dir.file("007.png"), solid_frame(7));
  write_png(dir.file("8.PNG"), solid_frame(8));
  write_png(dir.file("10.Png"), solid_frame(10));
  write_png(dir.file("-1.png"), solid_frame(1));
  write_png(dir.file("123456789012345678901234567890.png"), solid_frame(20));  // beyond 64 bits
  auto source = open_frame_source(dir.path());
  EXPECT_EQ(ids_in_order(*source), (std::vector<int>{1, 7, 8, 10, 20}));
}

TEST(VideoFolder, NonIntegerNamesInLexicographicOrder) {
  test::TempDir dir;
  write_png(dir.file("frame_b.png"), solid_frame(2));
  write_png(dir.file("frame_a.png"), solid_frame(1));
  write_png(dir.file("10.png"), solid_frame(3));
  write_png(dir.file("9.png"), solid_frame(4));
  auto source = open_frame_source(dir.path());
  // "10.png" < "9.png" < "frame_a.png" < "frame_b.png" as strings, as Python's sorted() does.
  EXPECT_EQ(ids_in_order(*source), (std::vector<int>{3, 4, 1, 2}));
}

TEST(VideoFolder, FramesEqualTheImageDecoderPixels) {
  test::TempDir dir;
  const std::string jpg = test::data_dir() + "/images/photo_48x32.jpg";
  fs::copy_file(jpg, dir.file("0.JPEG"));
  write_png(dir.file("1.png"), synthetic_frame(1, 48, 32));
  fs::copy_file(jpg, dir.file("2.jpg"));
  auto source = open_frame_source(dir.path());
  ASSERT_EQ(source->info().frame_count, 3);
  const Tensor photo = image_to_chw_tensor(decode_image_file(jpg));
  EXPECT_TRUE(same_pixels(source->frame(0), photo));
  EXPECT_TRUE(same_pixels(source->frame(1), synthetic_frame(1, 48, 32)));
  EXPECT_TRUE(same_pixels(source->frame(2), photo));
  EXPECT_TRUE(same_pixels(source->frame(0), photo));  // again, after moving on
  const Tensor f = source->frame(1);
  EXPECT_EQ(f.dtype(), DType::kU8);
  EXPECT_EQ(f.shape(), (Shape{3, 32, 48}));
  EXPECT_TRUE(f.device().is_cpu());
}

TEST(VideoFolder, SizeMismatchNamesTheFile) {
  test::TempDir dir;
  write_png(dir.file("1.png"), solid_frame(1, 8, 6));
  write_png(dir.file("2.png"), solid_frame(2, 7, 6));
  auto source = open_frame_source(dir.path());
  EXPECT_EQ(frame_id(source->frame(0)), 1);
  expect_error([&] { source->frame(1); }, ErrorCode::kFormat, "2.png");
}

TEST(VideoFolder, EmptyFolderAndBadIndices) {
  test::TempDir dir;
  fs::create_directory(dir.file("empty"));
  expect_error([&] { open_frame_source(dir.file("empty")); }, ErrorCode::kInvalidArgument, dir.file("empty"));
  fs::create_directory(dir.file("only-text"));
  std::ofstream(dir.file("only-text/readme.txt")) << "x";
  expect_error([&] { open_frame_source(dir.file("only-text")); }, ErrorCode::kInvalidArgument, "no frames");

  write_png(dir.file("1.png"), solid_frame(1));
  auto source = open_frame_source(dir.path());
  expect_error([&] { source->frame(-1); }, ErrorCode::kInvalidArgument, "out of range");
  expect_error([&] { source->frame(1); }, ErrorCode::kInvalidArgument, "out of range");
}

TEST(VideoFolder, MissingPathUnreadableFrameAndOtherImageFormats) {
  test::TempDir dir;
  expect_error([&] { open_frame_source(dir.file("nope")); }, ErrorCode::kIo, dir.file("nope"));
  expect_error([&] { open_frame_source(dir.file("nope.mp4")); }, ErrorCode::kIo, "nope.mp4");

  fs::create_directory(dir.file("broken"));
  write_png(dir.file("broken/0.png"), solid_frame(1));
  write_bytes(dir.file("broken/1.png"), {'n', 'o', 't', ' ', 'a', ' ', 'p', 'n', 'g'});
  auto source = open_frame_source(dir.file("broken"));
  expect_error([&] { source->frame(1); }, ErrorCode::kFormat, "1.png");

  // The reference would take a .webp as a frame: refused rather than silently renumbered.
  fs::create_directory(dir.file("webp"));
  write_png(dir.file("webp/0.png"), solid_frame(1));
  write_bytes(dir.file("webp/1.webp"), {'R', 'I', 'F', 'F'});
  expect_error([&] { open_frame_source(dir.file("webp")); }, ErrorCode::kUnsupported, "1.webp");
}

TEST(VideoFolder, SingleImageIsOneFrame) {
  test::TempDir dir;
  write_png(dir.file("still.png"), synthetic_frame(3, 20, 10));
  auto source = open_frame_source(dir.file("still.png"));
  EXPECT_EQ(source->info().kind, "image");
  EXPECT_EQ(source->info().frame_count, 1);
  EXPECT_TRUE(same_pixels(source->frame(0), synthetic_frame(3, 20, 10)));
}

// --- video files -----------------------------------------------------------------------------

#define SKIP_WITHOUT_FFMPEG()                                                                               \
  do {                                                                                                      \
    if (!io::video_file_decoding_available())                                                               \
      GTEST_SKIP() << "this build has no FFmpeg (SAM3RT_FFMPEG=OFF or libav*-dev missing): no video files"; \
  } while (0)

constexpr int kW = 96, kH = 64, kFrames = 20;
constexpr double kFps = 4;  // keyframes every 8 frames (2 s): backward reads really seek
// Lossy round trip of sharp saturated shapes through 4:2:0: mean absolute difference about 2.7 with
// libx264 at CRF 18, 3.5 with the MPEG-4 Part 2 fallback (neighbouring frames differ by about 4,
// which the round-trip test checks separately).
constexpr double kMaxMeanAbsDiff = 4.5;

std::string write_test_video(const test::TempDir& dir, const std::string& name, int w = kW, int h = kH,
                             int frames = kFrames) {
  VideoWriter writer(dir.file(name), w, h, kFps);
  for (int t = 0; t < frames; ++t) writer.write(synthetic_frame(t, w, h));
  writer.finish();
  return dir.file(name);
}

TEST(VideoFile, RoundTripInfoAndPixels) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  const std::string path = write_test_video(dir, "clip.mp4");
  EXPECT_TRUE(dir.temporaries().empty());
  auto source = open_frame_source(path);
  const io::VideoInfo& info = source->info();
  EXPECT_EQ(info.frame_count, kFrames);
  EXPECT_EQ(info.width, kW);
  EXPECT_EQ(info.height, kH);
  EXPECT_NEAR(info.fps, kFps, 1e-6);
  EXPECT_NE(info.kind.find("mp4"), std::string::npos) << info.kind;
  for (int t = 0; t < kFrames; ++t) {
    const Tensor f = source->frame(t);
    ASSERT_EQ(f.shape(), (Shape{3, kH, kW}));
    const double diff = mean_abs_diff(f, synthetic_frame(t, kW, kH));
    EXPECT_LT(diff, kMaxMeanAbsDiff) << "frame " << t;
    // Closer to its own frame than to its neighbours: no frame is off by one.
    const double to_previous = t > 0 ? mean_abs_diff(f, synthetic_frame(t - 1, kW, kH)) : 1e9;
    const double to_next = t + 1 < kFrames ? mean_abs_diff(f, synthetic_frame(t + 1, kW, kH)) : 1e9;
    EXPECT_LT(diff, std::min(to_previous, to_next)) << "frame " << t;
  }
}

TEST(VideoFile, AnyAccessOrderGivesTheSameFrames) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  const std::string path = write_test_video(dir, "clip.mp4");
  auto source = open_frame_source(path);
  std::vector<Tensor> forward;
  for (int t = 0; t < kFrames; ++t) forward.push_back(source->frame(t));
  for (int t = kFrames - 1; t >= 0; --t)
    EXPECT_TRUE(same_pixels(source->frame(t), forward[t])) << "backward " << t;
  std::vector<int> order(kFrames);
  for (int t = 0; t < kFrames; ++t) order[t] = t;
  std::mt19937 rng(13);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (int t : order) EXPECT_TRUE(same_pixels(source->frame(t), forward[t])) << "random " << t;
  }
  // A fresh source whose first read is the last frame, then a repeat of the same index.
  auto other = open_frame_source(path);
  EXPECT_TRUE(same_pixels(other->frame(kFrames - 1), forward[kFrames - 1]));
  EXPECT_TRUE(same_pixels(other->frame(kFrames - 1), forward[kFrames - 1]));
  EXPECT_TRUE(same_pixels(other->frame(9), forward[9]));
  expect_error([&] { other->frame(kFrames); }, ErrorCode::kInvalidArgument, "out of range");
}

TEST(VideoFile, OddSizeIsPaddedByOnePixel) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  const std::string path = write_test_video(dir, "odd.mp4", kW + 1, kH + 1, 5);
  auto source = open_frame_source(path);
  ASSERT_EQ(source->info().width, kW + 2);
  ASSERT_EQ(source->info().height, kH + 2);
  const Tensor f = source->frame(2);
  EXPECT_LT(mean_abs_diff(f.slice(1, 0, kH + 1).slice(2, 0, kW + 1).contiguous(),
                          synthetic_frame(2, kW + 1, kH + 1)),
            kMaxMeanAbsDiff);
  // The added column and row repeat the last ones.
  EXPECT_LT(mean_abs_diff(f.slice(2, kW + 1, kW + 2).contiguous(), f.slice(2, kW, kW + 1).contiguous()), 3.0);
  EXPECT_LT(mean_abs_diff(f.slice(1, kH + 1, kH + 2).contiguous(), f.slice(1, kH, kH + 1).contiguous()), 3.0);
}

TEST(VideoFile, TruncatedAndGarbageFilesAreFormatErrors) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  const std::vector<uint8_t> good = read_bytes(write_test_video(dir, "clip.mp4"));
  ASSERT_GT(good.size(), 1000u);
  for (double keep : {0.9, 0.6, 0.3, 0.05}) {
    const std::string cut = dir.file("cut-" + std::to_string(static_cast<int>(keep * 100)) + ".mp4");
    write_bytes(cut,
                std::vector<uint8_t>(good.begin(), good.begin() + static_cast<int64_t>(good.size() * keep)));
    expect_error([&] { open_frame_source(cut); }, ErrorCode::kFormat, cut);
  }
  std::vector<uint8_t> noise(8192);
  std::mt19937 rng(5);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  write_bytes(dir.file("noise.mp4"), noise);
  expect_error([&] { open_frame_source(dir.file("noise.mp4")); }, ErrorCode::kFormat, "noise.mp4");
  write_bytes(dir.file("empty.mov"), {});
  expect_error([&] { open_frame_source(dir.file("empty.mov")); }, ErrorCode::kFormat, "empty.mov");
  std::ofstream(dir.file("text.mkv")) << "this is not a video\n";
  expect_error([&] { open_frame_source(dir.file("text.mkv")); }, ErrorCode::kFormat, "text.mkv");
  // The middle of the data overwritten: the damage is found when the file is opened.
  std::vector<uint8_t> damaged = good;
  for (size_t i = damaged.size() / 2; i < damaged.size() / 2 + 600; ++i)
    damaged[i] = static_cast<uint8_t>(rng());
  write_bytes(dir.file("damaged.mp4"), damaged);
  try {
    auto source = open_frame_source(dir.file("damaged.mp4"));
    // Some damage decodes (as a glitch): then every frame must still be readable.
    for (int64_t i = 0; i < source->info().frame_count; ++i) source->frame(i);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    EXPECT_NE(std::string(e.what()).find("damaged.mp4"), std::string::npos) << e.what();
  }
}

TEST(VideoWriter, DestructorWithoutFinishLeavesNothing) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  {
    VideoWriter writer(dir.file("out.mp4"), kW, kH, kFps);
    for (int t = 0; t < 3; ++t) writer.write(synthetic_frame(t, kW, kH));
    EXPECT_FALSE(dir.temporaries().empty());  // the frames go to a temporary file
  }
  EXPECT_FALSE(fs::exists(dir.file("out.mp4")));
  EXPECT_TRUE(dir.temporaries().empty());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(VideoWriter, BadArgumentsAreClearErrors) {
  SKIP_WITHOUT_FFMPEG();
  test::TempDir dir;
  expect_error([&] { VideoWriter(dir.file("a.mp4"), 0, 10, 5); }, ErrorCode::kInvalidArgument, "a.mp4");
  expect_error([&] { VideoWriter(dir.file("a.mp4"), 10, 10, 0); }, ErrorCode::kInvalidArgument, "frame rate");
  expect_error([&] { VideoWriter(dir.file("a.mp4"), 10, 10, NAN); }, ErrorCode::kInvalidArgument,
               "frame rate");
  expect_error([&] { VideoWriter(dir.file("no-such-folder/a.mp4"), 10, 10, 5); }, ErrorCode::kIo,
               "no-such-folder");
  {
    VideoWriter writer(dir.file("b.mp4"), 16, 8, 5);
    expect_error([&] { writer.write(solid_frame(1, 8, 16)); }, ErrorCode::kInvalidArgument, "[3, 8, 16]");
    expect_error([&] { writer.write(Tensor::zeros(Shape{3, 8, 16})); }, ErrorCode::kInvalidArgument, "u8");
    expect_error([&] { writer.finish(); }, ErrorCode::kInvalidArgument, "no frames");
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
  VideoWriter writer(dir.file("c.mp4"), 16, 8, 29.97);
  writer.write(solid_frame(1, 16, 8).permute({0, 2, 1}).contiguous().permute({0, 2, 1}));  // strided input
  writer.finish();
  writer.finish();  // a second finish does nothing
  expect_error([&] { writer.write(solid_frame(1, 16, 8)); }, ErrorCode::kInvalidArgument, "after finish");
  auto source = open_frame_source(dir.file("c.mp4"));
  EXPECT_EQ(source->info().frame_count, 1);
  EXPECT_NEAR(source->info().fps, 29.97, 1e-3);
  EXPECT_TRUE(dir.temporaries().empty());
}

TEST(VideoFile, WithoutFfmpegVideoFilesAreUnsupported) {
  if (io::video_file_decoding_available()) GTEST_SKIP() << "this build has FFmpeg";
  test::TempDir dir;
  write_bytes(dir.file("clip.mp4"), {0, 0, 0, 0x18, 'f', 't', 'y', 'p'});
  expect_error([&] { open_frame_source(dir.file("clip.mp4")); }, ErrorCode::kUnsupported, "libavformat-dev");
  expect_error([&] { VideoWriter(dir.file("out.mp4"), 8, 8, 5); }, ErrorCode::kUnsupported, "FFmpeg");
}

}  // namespace
}  // namespace sam3rt
