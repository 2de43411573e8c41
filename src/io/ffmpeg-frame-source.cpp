// Video files through FFmpeg: libavformat demuxes, libavcodec decodes, libswscale converts each
// frame to RGB. Compiled only when CMake found FFmpeg (io/video-file.h is the seam).
//
// Frame numbering must be exact and the same in any access order, so opening a file decodes it
// once from start to end (the counting pass): that gives the number of decodable frames (the
// container's frame count is a hint that can be wrong, and edit lists, B-frame delay or a broken
// tail change it) and every frame's presentation timestamp. Afterwards frame i is "the frame whose
// timestamp is the i-th one". Reading forward keeps one decoder open and decodes the next frames;
// reading backward, or far forward past a keyframe, seeks to the keyframe at or before the target
// and decodes forward, trusting only frames at or after that keyframe (an open-GOP stream's
// leading frames cannot be decoded right after a seek). When a seek lands too late the seek is
// retried further back, and when timestamps are missing or not increasing (some AVI and raw
// streams) frames are numbered by counting from the start and every backward step reopens the file.
// The last few decoded frames are kept (as references to the decoder's YUV buffers), so reading
// backward frame by frame seeks once per kRecentFrames frames instead of once per frame.
//
// Colour: see to_rgb() below and docs/video.md.
#include <algorithm>
#include <cstring>
#include <deque>
#include <vector>

#include "core/error.h"
#include "io/ffmpeg-common.h"
#include "io/image.h"
#include "io/video-file.h"

namespace sam3rt::io {
namespace {

using ffmpeg::error_text;

constexpr int64_t kUnknown = -2;  // position after a seek, before the first trusted frame
// Decoded frames kept for reading backward (a 1080p 4:2:0 frame is 3 MiB).
constexpr size_t kRecentFrames = 8;

bool is_io_error(int code) {
  return code == AVERROR(ENOENT) || code == AVERROR(EACCES) || code == AVERROR(EISDIR) ||
         code == AVERROR(EIO) || code == AVERROR(EPERM);
}

// One open demuxer + decoder on the file's video stream, giving frames in presentation order.
class Decoder {
 public:
  // counting: the counting pass (pixels are not looked at: decoder threads on, the loop filter
  // and IDCT skipped where the codec allows, which changes neither the frames' number nor their
  // timestamps). Otherwise one decoder thread: decoding costs little beside the model, and the
  // engine's own thread pool should have the cores.
  Decoder(const std::string& path, bool counting) : path_(path) {
    ffmpeg::install_log_hook();
    ffmpeg::clear_last_error();
    AVDictionary* options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "file", 0);  // never the network, even from a playlist
    AVFormatContext* raw = nullptr;
    int r = avformat_open_input(&raw, ffmpeg::file_url(path).c_str(), nullptr, &options);
    av_dict_free(&options);
    if (r < 0) {
      if (is_io_error(r)) fail(ErrorCode::kIo, path, ": cannot open the video file (", error_text(r), ")");
      fail(ErrorCode::kFormat, path, ": not a video file FFmpeg can read (", error_text(r), ")");
    }
    input_.reset(raw);
    r = avformat_find_stream_info(raw, nullptr);
    SAM3RT_CHECK(r >= 0, kFormat, path, ": cannot read the video's stream information (", error_text(r), ")");

    stream_index_ = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    // A cover picture (an MP3's or M4A's artwork) is a one-frame "video stream": not a video.
    if (stream_index_ >= 0 && (raw->streams[stream_index_]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      stream_index_ = -1;
      for (unsigned s = 0; s < raw->nb_streams; ++s)
        if (raw->streams[s]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(raw->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
          stream_index_ = static_cast<int>(s);
          break;
        }
    }
    SAM3RT_CHECK(stream_index_ >= 0, kFormat, path, ": no video stream in this file (FFmpeg reads it as ",
                 raw->iformat->name, ")");
    AVStream* st = stream();

    SAM3RT_CHECK(st->codecpar->codec_id != AV_CODEC_ID_NONE, kFormat, path,
                 ": the video stream's codec is not recognised; the file is truncated or corrupt");
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    SAM3RT_CHECK(codec, kFormat, path, ": the video codec ", avcodec_get_name(st->codecpar->codec_id),
                 " has no decoder in this FFmpeg build");
    decoder_.reset(avcodec_alloc_context3(codec));
    SAM3RT_CHECK(decoder_, kOutOfMemory, path, ": cannot allocate a video decoder");
    r = avcodec_parameters_to_context(decoder_.get(), st->codecpar);
    SAM3RT_CHECK(r >= 0, kFormat, path, ": bad video stream parameters (", error_text(r), ")");
    decoder_->pkt_timebase = st->time_base;
    decoder_->thread_count = counting ? 0 : 1;  // 0 = FFmpeg picks (one per core)
    if (counting) {
      decoder_->skip_loop_filter = AVDISCARD_ALL;
      decoder_->skip_idct = AVDISCARD_ALL;
    }
    r = avcodec_open2(decoder_.get(), codec, nullptr);
    SAM3RT_CHECK(r >= 0, kFormat, path, ": cannot open the ", codec->name, " decoder (", error_text(r), ")");
    packet_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    SAM3RT_CHECK(packet_ && frame_, kOutOfMemory, path, ": cannot allocate decoding buffers");
  }

  AVStream* stream() const { return input_->streams[stream_index_]; }
  const AVFormatContext* input() const { return input_.get(); }
  const AVCodecContext* decoder() const { return decoder_.get(); }
  int64_t packets_read() const { return packets_read_; }
  // The timestamp of the first key packet read since the last seek (AV_NOPTS_VALUE before one).
  int64_t first_key_pts() const { return first_key_pts_; }
  // Counting pass: the timestamps of every key packet are appended here.
  std::vector<int64_t>* key_pts_sink = nullptr;

  // The next frame in presentation order (valid until the next call), or nullptr at the end.
  // Throws kFormat when the file cannot be read or a packet cannot be decoded.
  AVFrame* next() {
    av_frame_unref(frame_.get());
    ffmpeg::clear_last_error();
    for (;;) {
      int r = avcodec_receive_frame(decoder_.get(), frame_.get());
      if (r >= 0) return frame_.get();
      if (r == AVERROR_EOF || (r == AVERROR(EAGAIN) && draining_)) return nullptr;
      SAM3RT_CHECK(r == AVERROR(EAGAIN), kFormat, path_, ": cannot decode the video (", error_text(r), ")");
      r = av_read_frame(input_.get(), packet_.get());
      if (r == AVERROR_EOF) {
        SAM3RT_CHECK(!input_->pb || input_->pb->error >= 0, kIo, path_, ": read error (",
                     error_text(input_->pb ? input_->pb->error : r), ")");
        draining_ = true;
        avcodec_send_packet(decoder_.get(), nullptr);  // flush: the delayed frames come out
        continue;
      }
      SAM3RT_CHECK(r >= 0, kFormat, path_, ": cannot read the video (", error_text(r),
                   "); the file is truncated or corrupt");
      PacketUnref unref{packet_.get()};
      const AVPacket* p = packet_.get();
      if (p->stream_index != stream_index_) continue;
      ++packets_read_;
      SAM3RT_CHECK(!(p->flags & AV_PKT_FLAG_CORRUPT), kFormat, path_, ": corrupt video packet ",
                   packets_read_, "; the file is truncated or damaged");
      if ((p->flags & AV_PKT_FLAG_KEY) && p->pts != AV_NOPTS_VALUE) {
        if (first_key_pts_ == AV_NOPTS_VALUE) first_key_pts_ = p->pts;
        if (key_pts_sink) key_pts_sink->push_back(p->pts);
      }
      r = avcodec_send_packet(decoder_.get(), p);
      SAM3RT_CHECK(r >= 0 || r == AVERROR(EAGAIN), kFormat, path_, ": cannot decode video packet ",
                   packets_read_, " (", error_text(r), "); the file is corrupt");
    }
  }

  // Moves to the keyframe at or before `pts` (the stream's time base) and resets the decoder;
  // false when the demuxer cannot seek.
  bool seek(int64_t pts) {
    ffmpeg::clear_last_error();
    if (av_seek_frame(input_.get(), stream_index_, pts, AVSEEK_FLAG_BACKWARD) < 0) return false;
    avcodec_flush_buffers(decoder_.get());
    draining_ = false;
    first_key_pts_ = AV_NOPTS_VALUE;
    return true;
  }

 private:
  struct PacketUnref {
    AVPacket* p;
    ~PacketUnref() { av_packet_unref(p); }
  };

  std::string path_;
  ffmpeg::Input input_;
  ffmpeg::Codec decoder_;
  ffmpeg::Packet packet_;
  ffmpeg::Frame frame_;
  int stream_index_ = -1;
  bool draining_ = false;
  int64_t packets_read_ = 0;
  int64_t first_key_pts_ = AV_NOPTS_VALUE;
};

bool frame_is_damaged(const AVFrame* f) {
  return (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags;
}

class FfmpegFrameSource final : public FrameSource {
 public:
  explicit FfmpegFrameSource(std::string path) : path_(std::move(path)) {
    count_frames();
    reopen();
  }

  const VideoInfo& info() const override { return info_; }

  Tensor frame(int64_t index) override {
    SAM3RT_CHECK(index >= 0 && index < info_.frame_count, kInvalidArgument, path_, ": frame ", index,
                 " is out of range: the video has ", info_.frame_count, " frames (0..", info_.frame_count - 1,
                 ")");
    if (const AVFrame* kept = recent(index)) return to_rgb(kept);
    return to_rgb(decode_to(index));
  }

 private:
  // The counting pass (see the top of the file). Every frame must decode cleanly and have the
  // size of the first.
  void count_frames() {
    Decoder d(path_, /*counting=*/true);
    d.key_pts_sink = &key_pts_;
    pts_ok_ = true;
    while (const AVFrame* f = d.next()) {
      const int64_t n = static_cast<int64_t>(pts_.size());
      if (n == 0) {
        SAM3RT_CHECK(f->width > 0 && f->height > 0, kFormat, path_, ": the first frame has no pixels (",
                     f->width, "x", f->height, ")");
        SAM3RT_CHECK(f->width <= kDefaultMaxImageSide && f->height <= kDefaultMaxImageSide &&
                         int64_t{f->width} * f->height <= kDefaultMaxImagePixels,
                     kFormat, path_, ": frames of ", f->width, "x", f->height,
                     " pixels are over the limit of ", kDefaultMaxImageSide, " per side and ",
                     kDefaultMaxImagePixels, " in all");
        info_.width = f->width;
        info_.height = f->height;
      }
      SAM3RT_CHECK(f->width == info_.width && f->height == info_.height, kFormat, path_, ": frame ", n,
                   " is ", f->width, "x", f->height, " pixels but frame 0 is ", info_.width, "x",
                   info_.height, "; videos whose frame size changes are not supported");
      SAM3RT_CHECK(!frame_is_damaged(f), kFormat, path_, ": frame ", n,
                   " does not decode cleanly; the file is damaged");
      const int64_t t = f->best_effort_timestamp;
      if (t == AV_NOPTS_VALUE || (!pts_.empty() && t <= pts_.back())) pts_ok_ = false;
      pts_.push_back(t);
    }
    SAM3RT_CHECK(!pts_.empty(), kFormat, path_, ": the video stream has no decodable frames");
    // An MP4/MOV index lists every packet: fewer packets than entries means the file was cut short
    // (the demuxer just reports the end of the file, and the last packets are lost silently).
    const int64_t indexed = avformat_index_get_entries_count(d.stream());
    SAM3RT_CHECK(d.packets_read() >= indexed || std::strstr(d.input()->iformat->name, "mp4") == nullptr,
                 kFormat, path_, ": the file is truncated: its index lists ", indexed,
                 " video packets but only ", d.packets_read(), " could be read");
    std::sort(key_pts_.begin(), key_pts_.end());
    key_pts_.erase(std::unique(key_pts_.begin(), key_pts_.end()), key_pts_.end());

    const AVStream* st = d.stream();
    info_.frame_count = static_cast<int64_t>(pts_.size());
    info_.kind =
        std::string(avcodec_get_name(st->codecpar->codec_id)) + " (" + d.input()->iformat->name + ")";
    // avg_frame_rate is frames over duration (what a writer needs to keep the length); the
    // others are guesses from the time base or the timestamps.
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
      info_.fps = av_q2d(st->avg_frame_rate);
    else if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
      info_.fps = av_q2d(st->r_frame_rate);
    else if (pts_ok_ && pts_.size() > 1)
      info_.fps =
          static_cast<double>(pts_.size() - 1) / ((pts_.back() - pts_.front()) * av_q2d(st->time_base));
  }

  void reopen() {
    decoder_ = std::make_unique<Decoder>(path_, /*counting=*/false);
    pos_ = -1;
    after_seek_ = false;
  }

  const AVFrame* recent(int64_t index) const {
    for (const auto& r : recent_)
      if (r.index == index) return r.frame.get();
    return nullptr;
  }

  // Keeps a reference to a trusted frame (no copy: the decoder allocates new buffers meanwhile).
  void remember(int64_t index, const AVFrame* f) {
    if (recent(index)) return;
    ffmpeg::Frame ref(av_frame_clone(f));
    SAM3RT_CHECK(ref, kOutOfMemory, path_, ": cannot keep a decoded frame");
    recent_.push_back({index, std::move(ref)});
    if (recent_.size() > kRecentFrames) recent_.pop_front();
  }

  // Would seeking reach frame i with less decoding than going on from the current frame? Only
  // when a keyframe lies after the current frame and at or before the target.
  bool seek_helps(int64_t i) const {
    const auto it = std::upper_bound(key_pts_.begin(), key_pts_.end(), pts_[i]);
    if (it == key_pts_.begin()) return false;
    return *(it - 1) > pts_[std::max<int64_t>(pos_, 0)];
  }

  // Puts the decoder before frame i: attempt 0 seeks to the keyframe at or before frame i, each
  // further attempt seeks further back (i - 1, i - 3, i - 7, ... frames), and the last resort is
  // reopening the file (always right, as the counting pass). Returns true when it reopened.
  bool reposition(int64_t i, int attempt) {
    const int64_t back = attempt < 40 ? (int64_t{1} << attempt) - 1 : i;
    if (pts_ok_ && i - back > 0 && decoder_->seek(pts_[i - back])) {
      pos_ = kUnknown;
      after_seek_ = true;
      return false;
    }
    reopen();
    return true;
  }

  // The index of a frame just decoded: its timestamp's place in the counting pass's list, or
  // kUnknown for a frame that cannot be trusted after a seek (before the keyframe the seek
  // landed on, or flagged as damaged by the decoder), or -1 for a timestamp the counting pass
  // never saw.
  int64_t index_of(const AVFrame* f) const {
    const int64_t t = f->best_effort_timestamp;
    if (after_seek_) {
      const int64_t key = decoder_->first_key_pts();
      if (key == AV_NOPTS_VALUE || t == AV_NOPTS_VALUE || t < key) return kUnknown;
    }
    if (frame_is_damaged(f)) return kUnknown;
    const auto it = std::lower_bound(pts_.begin(), pts_.end(), t);
    return it != pts_.end() && *it == t ? it - pts_.begin() : -1;
  }

  // Decodes frame i (not among the recent frames) and returns it; it stays valid until the next
  // decode.
  const AVFrame* decode_to(int64_t i) {
    int attempt = 0;
    bool from_start = false;
    const bool forward = pos_ != kUnknown && i > pos_ && (!pts_ok_ || !seek_helps(i));
    if (!forward) from_start = reposition(i, attempt++);
    for (;;) {
      const AVFrame* f = decoder_->next();
      if (!f) {
        SAM3RT_CHECK(!from_start, kFormat, path_, ": the video ended before frame ", i,
                     " although the first pass decoded ", info_.frame_count,
                     " frames; was the file changed?");
        from_start = reposition(i, attempt++);
        continue;
      }
      int64_t k = pos_ + 1;  // without usable timestamps, frames are counted from the start
      if (pts_ok_) {
        k = index_of(f);
        if (k == kUnknown) continue;
        if (k < 0) {  // decodes differently than in the first pass: number by counting from now on
          pts_ok_ = false;
          reopen();
          from_start = true;
          continue;
        }
      }
      pos_ = k;
      remember(k, f);
      if (k == i) return f;
      if (k > i) {
        SAM3RT_CHECK(!from_start, kFormat, path_, ": frame ", i,
                     " was skipped while decoding from the start; was the file changed?");
        from_start = reposition(i, attempt++);
      }
    }
  }

  // RGB24 through swscale, at the frame's own size. The YUV→RGB matrix is the one the stream is
  // tagged with (BT.709 for most HD video, BT.601, BT.2020, ...); untagged streams use BT.601,
  // swscale's default. The input range is the tagged one ("tv" 16–235 or "pc" 0–255); untagged,
  // swscale's default: full for the yuvj and gray formats, else limited. The output is full-range
  // 0–255 RGB. Chroma is upsampled bilinearly (SWS_FULL_CHR_H_INT) with exact rounding
  // (SWS_ACCURATE_RND); without them swscale's fast path repeats each chroma sample over 2×2
  // pixels and rounds less exactly.
  Tensor to_rgb(const AVFrame* f) {
    const auto format = static_cast<AVPixelFormat>(f->format);
    const ConversionKey key{format, f->width, f->height, f->colorspace, f->color_range};
    if (!sws_ || !(key == sws_key_)) {
      sws_.reset(sws_getContext(f->width, f->height, format, f->width, f->height, AV_PIX_FMT_RGB24,
                                SWS_BILINEAR | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND, nullptr, nullptr,
                                nullptr));
      const char* format_name = av_get_pix_fmt_name(format);
      SAM3RT_CHECK(sws_, kFormat, path_, ": cannot convert frames of pixel format ",
                   format_name ? format_name : "(unknown)", " to RGB");
      const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
      if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB)) {
        int *inv_table = nullptr, *table = nullptr;
        int src_range = 0, dst_range = 0, brightness = 0, contrast = 0, saturation = 0;
        sws_getColorspaceDetails(sws_.get(), &inv_table, &src_range, &table, &dst_range, &brightness,
                                 &contrast, &saturation);
        if (f->color_range == AVCOL_RANGE_JPEG) src_range = 1;
        if (f->color_range == AVCOL_RANGE_MPEG) src_range = 0;
        // Return value ignored: swscale refuses only where a matrix does not apply.
        sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(f->colorspace), src_range, table, 1,
                                 brightness, contrast, saturation);
      }
      sws_key_ = key;
    }
    Image image;
    image.width = f->width;
    image.height = f->height;
    image.rgb.resize(static_cast<size_t>(f->width) * f->height * 3);
    uint8_t* dst[4] = {image.rgb.data(), nullptr, nullptr, nullptr};
    const int dst_stride[4] = {f->width * 3, 0, 0, 0};
    const int rows = sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    SAM3RT_CHECK(rows == f->height, kFormat, path_, ": converting a frame to RGB failed");
    return image_to_chw_tensor(image);
  }

  struct ConversionKey {
    AVPixelFormat format = AV_PIX_FMT_NONE;
    int width = 0, height = 0;
    AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
    AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
    bool operator==(const ConversionKey&) const = default;
  };

  std::string path_;
  VideoInfo info_;
  std::vector<int64_t> pts_;      // every frame's presentation timestamp, in order (the index)
  std::vector<int64_t> key_pts_;  // sorted timestamps of the key packets
  bool pts_ok_ = false;           // pts_ is usable: all present and strictly increasing
  std::unique_ptr<Decoder> decoder_;
  // Index of the frame decoder_ gave last: -1 before the first, kUnknown after a seek until the
  // first trusted frame.
  int64_t pos_ = -1;
  bool after_seek_ = false;  // decoder_ has seeked since it was opened
  struct Recent {
    int64_t index;
    ffmpeg::Frame frame;
  };
  std::deque<Recent> recent_;  // the last kRecentFrames trusted frames decoded, oldest first
  ffmpeg::Sws sws_;
  ConversionKey sws_key_;
};

}  // namespace

namespace detail {

bool ffmpeg_built() { return true; }

std::unique_ptr<FrameSource> open_video_file(const std::string& path) {
  return std::make_unique<FfmpegFrameSource>(path);
}

}  // namespace detail
}  // namespace sam3rt::io
