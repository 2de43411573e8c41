// PNG encoding through libpng, written to a temporary file and renamed into place.
#include "io/png-writer.h"

#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "core/error.h"

namespace sam3rt {
namespace {

struct PngWriteJob {
  FILE* file = nullptr;
  const uint8_t* pixels = nullptr;
  int width = 0, height = 0, channels = 0;
  char error[256] = {};
};

void write_error_fn(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngWriteJob*>(png_get_error_ptr(png));
  std::snprintf(job->error, sizeof(job->error), "%s", message ? message : "unknown libpng error");
  png_longjmp(png, 1);
}

void write_warning_fn(png_structp, png_const_charp) {}

// Only plain data in this frame: libpng errors longjmp back here.
bool encode(PngWriteJob* job) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, job, write_error_fn, write_warning_fn);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, job->file);
  // Masks compress well at the default level; a faster level keeps big overlays quick.
  png_set_compression_level(png, 6);
  png_set_IHDR(png, info, static_cast<png_uint_32>(job->width), static_cast<png_uint_32>(job->height), 8,
               job->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t stride = static_cast<size_t>(job->width) * job->channels;
  for (int y = 0; y < job->height; ++y)
    png_write_row(png, const_cast<png_bytep>(job->pixels + static_cast<size_t>(y) * stride));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void write_png(const std::string& path, const uint8_t* pixels, int width, int height, int channels) {
  SAM3RT_CHECK(channels == 1 || channels == 3, kInvalidArgument, path, ": PNG output needs 1 (gray) or 3 (RGB) channels, got ",
               channels);
  SAM3RT_CHECK(width > 0 && height > 0 && pixels, kInvalidArgument, path, ": cannot write an empty ", width, "x", height,
               " image");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  PngWriteJob job;
  job.file = std::fopen(tmp.c_str(), "wb");
  SAM3RT_CHECK(job.file, kIo, path, ": cannot create the output file (", std::strerror(errno),
               "); check that the folder exists and is writable");
  job.pixels = pixels;
  job.width = width;
  job.height = height;
  job.channels = channels;
  const bool ok = encode(&job);
  const bool flushed = std::fflush(job.file) == 0 && !std::ferror(job.file);
  const bool closed = std::fclose(job.file) == 0;
  std::error_code ec;
  if (!ok || !flushed || !closed) {
    std::filesystem::remove(tmp, ec);
    fail(ErrorCode::kIo, path, ": failed to write the PNG (", job.error[0] ? job.error : "write error, disk full?", ")");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    fail(ErrorCode::kIo, path, ": cannot move the finished PNG into place (", ec.message(), ")");
  }
}

void write_png(const std::string& path, const Tensor& image) {
  SAM3RT_CHECK(image.defined() && image.dtype() == DType::kU8 && image.device().is_cpu(), kInvalidArgument, path,
               ": write_png needs a u8 CPU tensor, got ", image.defined() ? image.str() : std::string("undefined"));
  if (image.dim() == 2) {
    const Tensor c = image.contiguous();
    write_png(path, c.data<uint8_t>(), static_cast<int>(c.size(1)), static_cast<int>(c.size(0)), 1);
    return;
  }
  SAM3RT_CHECK(image.dim() == 3 && (image.size(2) == 3 || image.size(0) == 3), kInvalidArgument, path,
               ": write_png needs [H, W], [H, W, 3] or [3, H, W], got ", image.shape().str());
  // [3, H, W] → [H, W, 3]; an [H, W, 3] input with H == 3 is read as HWC (last dim 3 wins).
  const Tensor hwc = (image.size(2) == 3 ? image : image.permute({1, 2, 0})).contiguous();
  write_png(path, hwc.data<uint8_t>(), static_cast<int>(hwc.size(1)), static_cast<int>(hwc.size(0)), 3);
}

}  // namespace sam3rt
