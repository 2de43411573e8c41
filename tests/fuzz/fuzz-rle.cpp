// COCO RLE: the counts-string parser on any bytes, and encode → string → parse → decode giving back
// the mask. Input: byte 0 and 1 choose a mask size up to 64×64, the rest are its pixels (and the
// whole input is also tried as a counts string).
#include <cstdlib>
#include <cstdio>

#include "fuzz/fuzz-target.h"
#include "core/error.h"
#include "pipeline/rle.h"

SAM3RT_FUZZ_TARGET(rle) {
  namespace p = sam3rt::pipeline;
  {
    std::string s(reinterpret_cast<const char*>(data), size);
    try {
      p::Rle r;
      r.counts = p::rle_from_string(s);
      uint64_t total = 0;
      for (uint32_t c : r.counts) total += c;
      // A decodable size for those counts (1 × total), when small enough to allocate.
      if (total > 0 && total <= (1u << 20)) {
        r.height = 1;
        r.width = static_cast<int>(total);
        (void)p::rle_decode(r);
      }
    } catch (const sam3rt::Error& e) {
      if (e.code() == sam3rt::ErrorCode::kInternal) throw;
      sam3rt::fuzz::check_message("rle", e.what());
    }
  }
  if (size < 2) return;
  const int h = data[0] % 65, w = data[1] % 65;
  std::vector<uint8_t> mask(static_cast<size_t>(h) * w);
  for (size_t i = 0; i < mask.size() && i + 2 < size; ++i) mask[i] = data[i + 2] & 1;
  p::Rle r = p::rle_encode(mask.data(), h, w);
  p::Rle back;
  back.height = h;
  back.width = w;
  back.counts = p::rle_from_string(p::rle_to_string(r.counts));
  if (back.counts != r.counts || p::rle_decode(back) != mask) {
    std::fprintf(stderr, "rle: round trip changed a %dx%d mask\n", h, w);
    std::abort();
  }
}
