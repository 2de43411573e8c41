// Reading a CLIP BPE merges list from the files users have.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sam3rt {

// Accepts: CLIP's bpe_simple_vocab_16e6.txt.gz (gzip or plain; header line then "a b" merges),
// a Hugging Face folder or file pair (vocab.json + merges.txt), or tokenizer.json. Returns the
// merges in rank order as "a b" strings (all of them; the caller truncates to the model's count).
// Throws kIo / kFormat naming the file when it is missing or is not a merges list.
std::vector<std::string> load_bpe_merges(const std::string& path);
// The same, but a CLIP merges file is read only as far as max_merges (it holds 262,145 merges of
// which SAM 3 uses 48,894); Hugging Face files are always read whole (their vocabulary check).
std::vector<std::string> load_bpe_merges_limited(const std::string& path, size_t max_merges);

}  // namespace sam3rt
