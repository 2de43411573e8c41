// VideoWriter through FFmpeg: swscale converts RGB to YUV 4:2:0, libavcodec encodes (libx264, or
// the built-in MPEG-4 Part 2 encoder), libavformat writes MP4 to a temporary file that finish()
// renames into place. Compiled only when CMake found FFmpeg.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "io/ffmpeg-common.h"
#include "io/video-writer.h"

namespace sam3rt::io {
namespace {

using ffmpeg::error_text;

struct OutputDeleter {
  void operator()(AVFormatContext* p) const {
    if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
    avformat_free_context(p);
  }
};
using Output = std::unique_ptr<AVFormatContext, OutputDeleter>;

// Keyframe every two seconds: players and sam3rt's own reader seek to a keyframe and decode
// forward, so a shorter interval makes random access cheaper for a little more size.
int keyframe_interval(double fps) { return static_cast<int>(std::clamp(std::lround(2 * fps), 1L, 600L)); }

}  // namespace

struct VideoWriter::Impl {
  std::string path, tmp;
  int width = 0, height = 0;          // of the frames given to write()
  int enc_width = 0, enc_height = 0;  // rounded up to even for 4:2:0
  std::string codec;
  Output out;
  AVStream* stream = nullptr;  // owned by out
  ffmpeg::Codec encoder;
  ffmpeg::Frame yuv;
  ffmpeg::Packet packet;
  ffmpeg::Sws sws;
  std::vector<uint8_t> rgb;  // one padded frame, [enc_height, enc_width, 3]
  int64_t frames = 0;
  bool finished = false, failed = false;

  ~Impl() {
    if (finished) return;
    sws.reset();
    yuv.reset();
    encoder.reset();
    out.reset();  // closes the temporary file
    std::error_code ec;
    if (!tmp.empty()) std::filesystem::remove(tmp, ec);
  }

  // Sends `frame` (nullptr: flush) and writes every packet the encoder gives back.
  void encode(const AVFrame* frame) {
    ffmpeg::clear_last_error();
    int r = avcodec_send_frame(encoder.get(), frame);
    SAM3RT_CHECK(r >= 0, kIo, path, ": the ", codec, " encoder failed (", error_text(r), ")");
    for (;;) {
      r = avcodec_receive_packet(encoder.get(), packet.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      SAM3RT_CHECK(r >= 0, kIo, path, ": the ", codec, " encoder failed (", error_text(r), ")");
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      r = av_interleaved_write_frame(out.get(), packet.get());  // takes the packet's data
      SAM3RT_CHECK(r >= 0, kIo, path, ": cannot write the video (", error_text(r), "); is the disk full?");
    }
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps) : impl_(new Impl) {
  Impl& w = *impl_;
  SAM3RT_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384, kInvalidArgument, path,
               ": cannot write a video of ", width, "x", height,
               " frames (each side must be 1..16384 pixels)");
  SAM3RT_CHECK(std::isfinite(fps) && fps > 0 && fps <= 1000, kInvalidArgument, path, ": frame rate ", fps,
               " is not in (0, 1000]");
  ffmpeg::install_log_hook();
  ffmpeg::clear_last_error();
  w.path = path;
  w.width = width;
  w.height = height;
  w.enc_width = width + (width & 1);
  w.enc_height = height + (height & 1);

  // libx264 when the system's libavcodec was built with it (Debian's is), else FFmpeg's own.
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (!codec) codec = avcodec_find_encoder_by_name("mpeg4");
  SAM3RT_CHECK(codec, kUnsupported, path,
               ": this FFmpeg has neither the libx264 nor the mpeg4 video encoder");
  w.codec = codec->name;

  AVFormatContext* raw = nullptr;
  int r = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
  SAM3RT_CHECK(r >= 0 && raw, kUnsupported, path, ": this FFmpeg cannot write MP4 (", error_text(r), ")");
  w.out.reset(raw);
  w.stream = avformat_new_stream(raw, nullptr);
  w.encoder.reset(avcodec_alloc_context3(codec));
  w.yuv.reset(av_frame_alloc());
  w.packet.reset(av_packet_alloc());
  SAM3RT_CHECK(w.stream && w.encoder && w.yuv && w.packet, kOutOfMemory, path,
               ": cannot allocate the encoder");

  AVCodecContext* enc = w.encoder.get();
  const AVRational rate = av_d2q(fps, 1 << 20);  // 30000 / 1001.0 → 30000/1001, 29.97 → 2997/100
  enc->width = w.enc_width;
  enc->height = w.enc_height;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->time_base = av_inv_q(rate);
  enc->framerate = rate;
  enc->gop_size = keyframe_interval(fps);
  enc->colorspace = AVCOL_SPC_BT709;
  enc->color_primaries = AVCOL_PRI_BT709;
  enc->color_trc = AVCOL_TRC_BT709;
  enc->color_range = AVCOL_RANGE_MPEG;
  if (raw->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* options = nullptr;
  if (w.codec == "libx264") {
    // Masks and outlines are fine detail: CRF 18 is visually lossless at a modest size.
    av_dict_set(&options, "preset", "medium", 0);
    av_dict_set(&options, "crf", "18", 0);
  } else {
    enc->flags |= AV_CODEC_FLAG_QSCALE;  // constant quality 3 (1 best .. 31)
    enc->global_quality = FF_QP2LAMBDA * 3;
  }
  r = avcodec_open2(enc, codec, &options);
  av_dict_free(&options);
  SAM3RT_CHECK(r >= 0, kUnsupported, path, ": cannot open the ", w.codec, " encoder for ", w.enc_width, "x",
               w.enc_height, " at ", fps, " fps (", error_text(r), ")");
  r = avcodec_parameters_from_context(w.stream->codecpar, enc);
  SAM3RT_CHECK(r >= 0, kInternal, path, ": cannot set the stream parameters (", error_text(r), ")");
  w.stream->time_base = enc->time_base;
  w.stream->avg_frame_rate = rate;

  w.yuv->format = AV_PIX_FMT_YUV420P;
  w.yuv->width = w.enc_width;
  w.yuv->height = w.enc_height;
  r = av_frame_get_buffer(w.yuv.get(), 0);
  SAM3RT_CHECK(r >= 0, kOutOfMemory, path, ": cannot allocate a ", w.enc_width, "x", w.enc_height, " frame");
  // RGB (full range) → BT.709 YUV, limited range, as the stream is tagged; chroma averaged from the
  // full-resolution RGB (SWS_FULL_CHR_H_INP) with exact rounding.
  w.sws.reset(sws_getContext(w.enc_width, w.enc_height, AV_PIX_FMT_RGB24, w.enc_width, w.enc_height,
                             AV_PIX_FMT_YUV420P, SWS_BILINEAR | SWS_FULL_CHR_H_INP | SWS_ACCURATE_RND,
                             nullptr, nullptr, nullptr));
  SAM3RT_CHECK(w.sws, kInternal, path, ": cannot set up the RGB to YUV conversion");
  sws_setColorspaceDetails(w.sws.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1,
                           sws_getCoefficients(SWS_CS_ITU709), 0, 0, 1 << 16, 1 << 16);
  w.rgb.resize(static_cast<size_t>(w.enc_width) * w.enc_height * 3);

  // The temporary file lies next to the target so that the final rename stays on one file system.
  // The muxer reopens it by this URL to move the index to the front (+faststart).
  w.tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string url = ffmpeg::file_url(w.tmp);
  raw->url = av_strdup(url.c_str());
  r = avio_open(&raw->pb, url.c_str(), AVIO_FLAG_WRITE);
  if (r < 0) {
    w.tmp.clear();  // nothing was created
    fail(ErrorCode::kIo, path, ": cannot create the output file (", error_text(r),
         "); check that the folder exists and is writable");
  }
  AVDictionary* mux_options = nullptr;
  // The index (moov) before the frames: the file plays while it downloads.
  av_dict_set(&mux_options, "movflags", "+faststart", 0);
  r = avformat_write_header(raw, &mux_options);
  av_dict_free(&mux_options);
  SAM3RT_CHECK(r >= 0, kIo, path, ": cannot write the MP4 header (", error_text(r), ")");
}

VideoWriter::~VideoWriter() = default;
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;

const std::string& VideoWriter::codec_name() const {
  SAM3RT_CHECK(impl_, kInvalidArgument, "VideoWriter: used after being moved from");
  return impl_->codec;
}

void VideoWriter::write(const Tensor& frame) {
  SAM3RT_CHECK(impl_, kInvalidArgument, "VideoWriter: used after being moved from");
  Impl& w = *impl_;
  SAM3RT_CHECK(!w.finished, kInvalidArgument, w.path, ": write() after finish()");
  SAM3RT_CHECK(!w.failed, kInvalidArgument, w.path,
               ": an earlier frame failed to encode; the video is incomplete");
  SAM3RT_CHECK(frame.defined() && frame.dtype() == DType::kU8 && frame.device().is_cpu() &&
                   frame.dim() == 3 && frame.size(0) == 3 && frame.size(1) == w.height &&
                   frame.size(2) == w.width,
               kInvalidArgument, w.path, ": a video frame must be a u8 [3, ", w.height, ", ", w.width,
               "] CPU tensor, got ", frame.defined() ? frame.str() : std::string("an undefined tensor"));
  w.failed = true;  // until this frame is through
  const Tensor hwc = frame.permute({1, 2, 0}).contiguous();
  const uint8_t* src = hwc.data<uint8_t>();
  const size_t row = static_cast<size_t>(w.width) * 3, enc_row = static_cast<size_t>(w.enc_width) * 3;
  for (int y = 0; y < w.enc_height; ++y) {
    uint8_t* dst = w.rgb.data() + y * enc_row;
    std::memcpy(dst, src + std::min(y, w.height - 1) * row, row);         // odd height: repeat the last row
    if (w.enc_width > w.width) std::memcpy(dst + row, dst + row - 3, 3);  // odd width: repeat the last column
  }
  int r = av_frame_make_writable(w.yuv.get());  // the encoder may still hold the previous frame
  SAM3RT_CHECK(r >= 0, kOutOfMemory, w.path, ": cannot allocate a frame (", error_text(r), ")");
  const uint8_t* src_planes[4] = {w.rgb.data(), nullptr, nullptr, nullptr};
  const int src_strides[4] = {static_cast<int>(enc_row), 0, 0, 0};
  sws_scale(w.sws.get(), src_planes, src_strides, 0, w.enc_height, w.yuv->data, w.yuv->linesize);
  w.yuv->pts = w.frames;
  if (w.codec == "mpeg4") w.yuv->quality = w.encoder->global_quality;
  w.encode(w.yuv.get());
  ++w.frames;
  w.failed = false;
}

void VideoWriter::finish() {
  SAM3RT_CHECK(impl_, kInvalidArgument, "VideoWriter: used after being moved from");
  Impl& w = *impl_;
  if (w.finished) return;
  SAM3RT_CHECK(!w.failed, kIo, w.path, ": an earlier frame failed to encode; nothing was written");
  SAM3RT_CHECK(w.frames > 0, kInvalidArgument, w.path,
               ": no frames were written; a video needs at least one");
  w.failed = true;  // until the file is in place
  w.encode(nullptr);
  ffmpeg::clear_last_error();
  int r = av_write_trailer(w.out.get());
  SAM3RT_CHECK(r >= 0, kIo, w.path, ": cannot complete the MP4 (", error_text(r), "); is the disk full?");
  r = avio_closep(&w.out->pb);
  SAM3RT_CHECK(r >= 0, kIo, w.path, ": cannot close the video file (", error_text(r), "); is the disk full?");
  std::error_code ec;
  std::filesystem::rename(w.tmp, w.path, ec);
  SAM3RT_CHECK(!ec, kIo, w.path, ": cannot move the finished video into place (", ec.message(), ")");
  w.finished = true;
  w.failed = false;
}

}  // namespace sam3rt::io
