// The CLIP byte-pair-encoding tokenizer of the reference (spec §3, sam3/model/tokenizer_ve.py
// SimpleTokenizer with clean="lower"): vocabulary built from a merges list, text cleaning,
// the pre-tokenizer regex, BPE by merge rank, [SOT] + ids + [EOT] truncated to the context with
// EOT forced last and padded with 0. Thread-safe: encode() may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sam3rt {

class ClipTokenizer {
 public:
  // merges: "a b" strings in rank order (as load_bpe_merges returns them); the first num_merges
  // are used (Sam3Config::bpe_merges). Vocabulary: 256 byte symbols in GPT-2 bytes_to_unicode
  // order, the same with "</w>", the merge results, "<start_of_text>", "<end_of_text>".
  // Throws kFormat when there are fewer merges than num_merges or a merge line is malformed.
  ClipTokenizer(const std::vector<std::string>& merges, int num_merges);
  // Reads the merges with load_bpe_merges(path).
  static ClipTokenizer from_file(const std::string& path, int num_merges);

  ClipTokenizer(ClipTokenizer&&) noexcept;
  ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
  ~ClipTokenizer();

  int vocab_size() const;
  int sot_id() const;  // <start_of_text>
  int eot_id() const;  // <end_of_text>
  static constexpr int kPadId = 0;

  // [SOT] + BPE ids + [EOT]; longer than `context` → the first `context` ids with the last one
  // replaced by EOT; shorter → padded with 0. Only as much text as fills the context is
  // tokenized, so a huge prompt costs little. Invalid UTF-8 is replaced, never an error.
  std::vector<int32_t> encode(std::string_view text, int context) const;
  // The BPE ids of the cleaned text, without SOT/EOT; stops once max_tokens ids exist (−1: all).
  std::vector<int32_t> encode_text(std::string_view text, int64_t max_tokens = -1) const;

  const std::string& token(int id) const;  // the vocabulary string (byte-unicode form)
  // Inverse of the byte-unicode mapping with "</w>" → " " (the reference's decode); ids outside
  // the vocabulary throw kInvalidArgument.
  std::string decode(const std::vector<int32_t>& ids) const;

 private:
  std::vector<int32_t> tokenize_clean(const std::u32string& clean, int64_t max_tokens) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sam3rt
