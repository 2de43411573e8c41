// The CLIP tokenizer on any bytes: UTF-8 decoding, ftfy-style cleaning, HTML entities, the
// pre-tokenizer and BPE, with the tiny fixture vocabulary; then decode() of the ids.
#include "fuzz/fuzz-target.h"
#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"
#include "text/text-clean.h"

namespace {
const sam3rt::ClipTokenizer& tokenizer() {
  static const sam3rt::ClipTokenizer t = [] {
    auto merges = sam3rt::load_bpe_merges(sam3rt::fuzz::test_data_dir() + "/sam3-tiny/model/tiny-bpe.txt.gz");
    return sam3rt::ClipTokenizer(merges, static_cast<int>(merges.size()));
  }();
  return t;
}
}  // namespace

SAM3RT_FUZZ_TARGET(tokenizer) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const sam3rt::ClipTokenizer& t = tokenizer();
  std::vector<int32_t> ids = t.encode(text, 32);
  (void)t.decode(ids);
  // The whole text, not only the part that fills a context: the cleaning must stay linear.
  (void)t.encode_text(text, 4096);
  (void)sam3rt::text::html_unescape(sam3rt::text::utf8_to_u32(text));
}
