// JPEG decoding through libjpeg(-turbo), the library PIL uses, with the settings PIL decodes with
// (libjpeg's defaults: ISLOW integer DCT, fancy upsampling, no scaling), so the pixels are PIL's.
// Gray JPEGs are replicated to RGB by libjpeg; CMYK/YCCK JPEGs are converted the way PIL's
// convert("RGB") does (Adobe files store inverted CMYK).
//
// libjpeg reports fatal errors through error_exit, which here longjmps back into read_jpeg();
// that frame holds only plain C data (the pixel buffer lives in the caller), so the jump skips
// no destructor. "Premature end of JPEG file" is only a warning to libjpeg (it pads the image with
// gray); PIL refuses such files ("image file is truncated"), and so do we.
// jpeglib.h needs size_t and FILE declared before it.
#include <csetjmp>
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "io/image-decoders.h"

namespace sam3rt::detail {
namespace {

// 1 GiB: a progressive 16k×16k 4:2:0 JPEG (the default pixel cap) needs about 800 MB.
constexpr long kJpegMaxWorkingMemory = 1L << 30;

struct JpegErrorManager {
  jpeg_error_mgr base;  // first member: libjpeg hands back a jpeg_error_mgr*
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
  bool truncated = false;
  const std::string* name = nullptr;
};

void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  if (msg_level >= 0) return;  // trace messages
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    err->truncated = true;
    return;
  }
  char buffer[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, buffer);
  log_debug("jpeg ", *err->name, ": ", buffer);  // e.g. extraneous bytes before a marker
}

struct JpegJob {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const DecodeOptions* options = nullptr;
  std::vector<uint8_t>* pixels = nullptr;  // RGB, or CMYK when cmyk
  int width = 0, height = 0;
  bool size_error = false;
  bool cmyk = false;
  bool adobe = false;
};

bool read_jpeg(JpegJob* job, JpegErrorManager* err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->base);
  err->base.error_exit = jpeg_error_exit;
  err->base.emit_message = jpeg_emit_message;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  // libjpeg's own working memory (for progressive and multi-scan files, coefficient buffers of the
  // whole image, 2 bytes per sample) is capped, so that a header claiming a huge image cannot
  // make it allocate gigabytes; a file over the cap fails with libjpeg's "backing store" error.
  cinfo.mem->max_memory_to_use = kJpegMaxWorkingMemory;
  jpeg_mem_src(&cinfo, job->data, static_cast<unsigned long>(job->size));
  jpeg_read_header(&cinfo, TRUE);
  const JDIMENSION w = cinfo.image_width, h = cinfo.image_height;
  if (w == 0 || h == 0 || w > static_cast<JDIMENSION>(job->options->max_side) ||
      h > static_cast<JDIMENSION>(job->options->max_side) ||
      static_cast<int64_t>(w) * h > job->options->max_pixels) {
    job->width = static_cast<int>(w);
    job->height = static_cast<int>(h);
    job->size_error = true;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  // Huffman-coded data spends at least one bit per 8×8 block and component on its DC code, and a
  // sequential scan one more on the end-of-block code: a file shorter than that cannot hold the
  // image its header declares. libjpeg would pad the missing blocks silently (a 554-byte file
  // decoded to 2096×64000 pixels in 16 s), so such a file is refused as truncated before decoding.
  // (Arithmetic coding has no such bound; the pixel caps still hold for it.)
  if (!cinfo.arith_code) {
    uint64_t blocks = 0;
    for (int c = 0; c < cinfo.num_components; ++c)
      blocks += static_cast<uint64_t>(cinfo.comp_info[c].width_in_blocks) * cinfo.comp_info[c].height_in_blocks;
    const uint64_t min_bits = blocks * (cinfo.progressive_mode ? 1 : 2);
    if (min_bits > 8 * static_cast<uint64_t>(job->size)) {
      std::snprintf(err->message, sizeof(err->message),
                    "the file is %zu bytes, too short for the %ux%u image its header declares; it is truncated",
                    job->size, static_cast<unsigned>(w), static_cast<unsigned>(h));
      jpeg_destroy_decompress(&cinfo);
      return false;
    }
  }
  job->cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  job->adobe = cinfo.saw_Adobe_marker;
  cinfo.out_color_space = job->cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  const int channels = cinfo.output_components;
  if (channels != (job->cmyk ? 4 : 3)) {
    std::snprintf(err->message, sizeof(err->message), "unexpected %d output components", channels);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  job->width = static_cast<int>(cinfo.output_width);
  job->height = static_cast<int>(cinfo.output_height);
  // The pixel buffer grows with the rows actually decoded: a truncated file whose header claims a
  // huge image stops at its first missing row, before most of the buffer would exist.
  const size_t row_bytes = static_cast<size_t>(job->width) * channels;
  const size_t full = row_bytes * job->height;
  job->pixels->clear();
  while (cinfo.output_scanline < cinfo.output_height) {
    const size_t need = (static_cast<size_t>(cinfo.output_scanline) + 1) * row_bytes;
    if (need > job->pixels->size()) job->pixels->resize(std::min(full, std::max(need, 2 * job->pixels->size())));
    JSAMPROW row = job->pixels->data() + static_cast<size_t>(cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (err->truncated) break;
  }
  if (!err->truncated) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return !err->truncated;
}

// ref: Pillow src/libImaging/Convert.c cmyk2rgb — r = (255−k) − (c·(255−k))/255, rounded the way
// PIL's MULDIV255 rounds.
inline uint8_t muldiv255(int a, int b) {
  const int t = a * b + 128;
  return static_cast<uint8_t>(((t >> 8) + t) >> 8);
}

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const DecodeOptions& options, const std::string& name) {
  Image image;
  JpegErrorManager err;
  err.name = &name;
  JpegJob job;
  job.data = data;
  job.size = size;
  job.options = &options;
  job.pixels = &image.rgb;
  if (!read_jpeg(&job, &err)) {
    if (job.size_error) check_image_size(job.width, job.height, options, name, "JPEG");  // throws
    if (err.truncated) fail(ErrorCode::kFormat, name, ": truncated JPEG (premature end of data)");
    fail(ErrorCode::kFormat, name, ": corrupt JPEG (", err.message, ")");
  }
  image.width = job.width;
  image.height = job.height;
  if (job.cmyk) {
    const size_t n = static_cast<size_t>(image.width) * image.height;
    std::vector<uint8_t> rgb(n * 3);
    const uint8_t* p = image.rgb.data();
    for (size_t i = 0; i < n; ++i, p += 4) {
      // Adobe writes CMYK inverted; PIL reads such files as "CMYK;I".
      const int c = job.adobe ? 255 - p[0] : p[0], m = job.adobe ? 255 - p[1] : p[1];
      const int y = job.adobe ? 255 - p[2] : p[2], k = job.adobe ? 255 - p[3] : p[3];
      const int nk = 255 - k;
      rgb[i * 3 + 0] = static_cast<uint8_t>(nk - muldiv255(c, nk));
      rgb[i * 3 + 1] = static_cast<uint8_t>(nk - muldiv255(m, nk));
      rgb[i * 3 + 2] = static_cast<uint8_t>(nk - muldiv255(y, nk));
    }
    image.rgb = std::move(rgb);
  }
  return image;
}

}  // namespace sam3rt::detail
