// Private to src/io/ffmpeg-*.cpp (compiled only when FFmpeg was found): owning handles for the
// FFmpeg objects, error text, and the log hook that keeps FFmpeg from printing.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace sam3rt::io::ffmpeg {

struct InputDeleter {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
struct DictionaryDeleter {
  void operator()(AVDictionary* p) const { av_dict_free(&p); }
};
using Input = std::unique_ptr<AVFormatContext, InputDeleter>;
using Codec = std::unique_ptr<AVCodecContext, CodecDeleter>;
using Frame = std::unique_ptr<AVFrame, FrameDeleter>;
using Packet = std::unique_ptr<AVPacket, PacketDeleter>;
using Sws = std::unique_ptr<SwsContext, SwsDeleter>;

// FFmpeg logs through one process-wide callback that prints to stderr by default; the library
// never prints, so the first FFmpeg use installs a callback that forwards warnings and errors to
// sam3rt's log at debug level and remembers the last error of the calling thread (FFmpeg's
// error codes alone say "Invalid data found when processing input" where its log says which).
// An application that wants FFmpeg's own output can call av_log_set_callback afterwards.
void install_log_hook();
// Forgets the remembered error of this thread; call before the FFmpeg calls whose failure is
// reported with error_text().
void clear_last_error();
// "Invalid data found when processing input: moov atom not found" — av_strerror(code) plus the
// last error FFmpeg logged on this thread since clear_last_error(), when there is one.
std::string error_text(int code);

// The URL that makes FFmpeg open exactly this local file: "file:" + path, so that a name with a
// colon ("clip:1.mp4") is never read as another protocol.
std::string file_url(const std::string& path);

}  // namespace sam3rt::io::ffmpeg
