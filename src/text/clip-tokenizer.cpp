// ref: sam3/model/tokenizer_ve.py bytes_to_unicode, SimpleTokenizer.__init__, .bpe, .encode,
// .decode, .__call__
#include "text/clip-tokenizer.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <mutex>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "text/bpe-merges.h"
#include "text/text-clean.h"

namespace sam3rt {

namespace {

constexpr const char* kSot = "<start_of_text>";
constexpr const char* kEot = "<end_of_text>";
// Pieces longer than this are not cached (a giant "word" would only bloat the cache).
constexpr size_t kMaxCachedPiece = 256;
constexpr size_t kMaxCacheEntries = 65536;

// ref: bytes_to_unicode — the printable Latin-1 bytes keep their code point, the other 68 bytes
// map to U+0100.. in byte order. Returns the bytes in vocabulary order and each byte's character.
void byte_tables(std::vector<int>* order, char32_t (&byte_char)[256]) {
  std::vector<bool> printable(256, false);
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  order->clear();
  for (int b = 0; b < 256; ++b)
    if (printable[b]) {
      order->push_back(b);
      byte_char[b] = static_cast<char32_t>(b);
    }
  int n = 0;
  for (int b = 0; b < 256; ++b)
    if (!printable[b]) {
      order->push_back(b);
      byte_char[b] = static_cast<char32_t>(256 + n++);
    }
}

bool is_letter(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER: case U_MODIFIER_LETTER:
    case U_OTHER_LETTER: return true;
    default: return false;
  }
}

bool is_number(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_DECIMAL_DIGIT_NUMBER: case U_LETTER_NUMBER: case U_OTHER_NUMBER: return true;
    default: return false;
  }
}

// Case-insensitive match of an ASCII lower-case literal at s[i] (the reference's regex has
// IGNORECASE: simple case folding, so "'ſ" matches "'s").
size_t match_literal(std::u32string_view s, size_t i, std::string_view lit) {
  if (s.size() - i < lit.size()) return 0;
  for (size_t k = 0; k < lit.size(); ++k) {
    const char32_t c = s[i + k];
    if (c != static_cast<char32_t>(lit[k]) &&
        u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT) != static_cast<UChar32>(lit[k]))
      return 0;
  }
  return lit.size();
}

// ref: SimpleTokenizer.pat — <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|
// [\p{N}]|[^\s\p{L}\p{N}]+ (re.IGNORECASE). Returns the length of the match at i, 0 = none
// (i is whitespace); *special is set when a special-token alternative matched.
size_t match_piece(std::u32string_view s, size_t i, bool* special) {
  *special = false;
  static constexpr std::string_view kAlternatives[] = {"<start_of_text>", "<end_of_text>", "'s", "'t", "'re",
                                                       "'ve", "'m", "'ll", "'d"};
  for (size_t a = 0; a < std::size(kAlternatives); ++a)
    if (const size_t n = match_literal(s, i, kAlternatives[a])) {
      *special = a < 2;
      return n;
    }
  const char32_t c = s[i];
  if (is_letter(c)) {
    size_t j = i + 1;
    while (j < s.size() && is_letter(s[j])) ++j;
    return j - i;
  }
  if (is_number(c)) return 1;
  if (text::is_regex_space(c)) return 0;
  size_t j = i + 1;
  while (j < s.size() && !is_letter(s[j]) && !is_number(s[j]) && !text::is_regex_space(s[j])) ++j;
  return j - i;
}

}  // namespace

// Lets the encoder be searched with a string_view (no temporary strings while loading).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct ClipTokenizer::Impl {
  std::vector<std::string> vocab;  // id → string (UTF-8 of the byte-unicode form)
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> encoder;  // string → id (last id of a repeat)
  std::unordered_map<uint64_t, std::pair<int, int>> ranks;  // (left id, right id) → (rank, merged id)
  int byte_id[256] = {};      // id of byte b's symbol
  int byte_end_id[256] = {};  // id of byte b's symbol + "</w>"
  uint8_t unicode_byte_of[512] = {};  // byte-unicode char (< 512) → byte, for decode
  int sot = 0, eot = 0;

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;

  static uint64_t key(int a, int b) { return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b); }

  // ref: SimpleTokenizer.bpe — repeatedly merge every occurrence (left to right, without
  // overlap) of the adjacent pair with the lowest rank. Done with a heap over the linked symbols:
  // all occurrences of the lowest rank are taken together and merged in position order, which
  // is exactly one pass of the reference's loop; pairs created by a pass wait for the next one.
  void bpe(const std::string& piece, std::vector<int32_t>* out) const {
    const size_t n = piece.size();
    if (n == 1) {
      out->push_back(byte_end_id[static_cast<uint8_t>(piece[0])]);
      return;
    }
    std::vector<int> sym(n), next(n), prev(n);
    for (size_t i = 0; i < n; ++i) {
      const uint8_t b = static_cast<uint8_t>(piece[i]);
      sym[i] = i + 1 == n ? byte_end_id[b] : byte_id[b];
      next[i] = i + 1 < n ? static_cast<int>(i + 1) : -1;
      prev[i] = static_cast<int>(i) - 1;
    }
    struct Entry {
      int rank, pos, left, right;
      bool operator>(const Entry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    auto push_pair = [&](int pos) {
      if (pos < 0 || next[pos] < 0) return;
      const auto it = ranks.find(key(sym[pos], sym[next[pos]]));
      if (it != ranks.end()) heap.push({it->second.first, pos, sym[pos], sym[next[pos]]});
    };
    for (size_t i = 0; i + 1 < n; ++i) push_pair(static_cast<int>(i));
    std::vector<Entry> batch;
    while (!heap.empty()) {
      const int rank = heap.top().rank;
      batch.clear();
      while (!heap.empty() && heap.top().rank == rank) {
        batch.push_back(heap.top());
        heap.pop();
      }
      for (const Entry& e : batch) {  // increasing position
        const int r = next[e.pos];
        if (sym[e.pos] != e.left || r < 0 || sym[r] != e.right) continue;  // stale or consumed
        sym[e.pos] = ranks.at(key(e.left, e.right)).second;
        sym[r] = -1;
        next[e.pos] = next[r];
        if (next[r] >= 0) prev[next[r]] = e.pos;
        push_pair(prev[e.pos]);
        push_pair(e.pos);
      }
    }
    for (int i = 0; i >= 0; i = next[i]) out->push_back(sym[i]);
  }

  void encode_piece(const std::string& piece, std::vector<int32_t>* out) const {
    if (piece.size() <= kMaxCachedPiece) {
      std::lock_guard<std::mutex> lock(cache_mutex);
      const auto it = cache.find(piece);
      if (it != cache.end()) {
        out->insert(out->end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<int32_t> ids;
    bpe(piece, &ids);
    out->insert(out->end(), ids.begin(), ids.end());
    if (piece.size() <= kMaxCachedPiece) {
      std::lock_guard<std::mutex> lock(cache_mutex);
      if (cache.size() >= kMaxCacheEntries) cache.clear();
      cache.emplace(piece, std::move(ids));
    }
  }
};

ClipTokenizer::ClipTokenizer(const std::vector<std::string>& merges, int num_merges) : impl_(std::make_unique<Impl>()) {
  SAM3RT_CHECK(num_merges >= 0, kInvalidArgument, "ClipTokenizer: the number of merges must be >= 0, got ", num_merges);
  SAM3RT_CHECK(merges.size() >= static_cast<size_t>(num_merges), kFormat, "the BPE merges list has ", merges.size(),
               " merges but the model needs ", num_merges, "; use the vocabulary file that belongs to the model");
  Impl& m = *impl_;
  std::vector<int> order;
  char32_t byte_char[256];
  byte_tables(&order, byte_char);
  m.vocab.reserve(512 + num_merges + 2);
  for (int b : order) m.vocab.push_back(text::u32_to_utf8(std::u32string(1, byte_char[b])));
  for (int k = 0; k < 256; ++k) m.vocab.push_back(m.vocab[k] + "</w>");
  std::vector<size_t> split(num_merges);  // position of the space in each merge line
  for (int r = 0; r < num_merges; ++r) {
    const std::string& line = merges[r];
    const size_t sp = line.find(' ');
    SAM3RT_CHECK(sp != std::string::npos && sp > 0 && sp + 1 < line.size() && line.find(' ', sp + 1) == std::string::npos,
                 kFormat, "BPE merge ", r + 1, " is not two symbols separated by one space: \"", line, "\"");
    split[r] = sp;
    std::string joined;
    joined.reserve(line.size() - 1);
    joined.append(line, 0, sp).append(line, sp + 1, std::string::npos);
    m.vocab.push_back(std::move(joined));
  }
  m.vocab.push_back(kSot);
  m.vocab.push_back(kEot);
  m.encoder.reserve(m.vocab.size());
  for (size_t id = 0; id < m.vocab.size(); ++id) m.encoder[m.vocab[id]] = static_cast<int>(id);  // dict(zip()): last wins
  for (int k = 0; k < 256; ++k) {
    const int b = order[k];
    m.byte_id[b] = m.encoder.find(m.vocab[k])->second;
    m.byte_end_id[b] = m.encoder.find(m.vocab[256 + k])->second;
    m.unicode_byte_of[byte_char[b]] = static_cast<uint8_t>(b);
  }
  m.ranks.reserve(num_merges);
  for (int r = 0; r < num_merges; ++r) {
    const std::string_view line = merges[r];
    const auto a = m.encoder.find(line.substr(0, split[r])), b = m.encoder.find(line.substr(split[r] + 1));
    if (a == m.encoder.end() || b == m.encoder.end()) continue;  // can never be adjacent symbols
    m.ranks[Impl::key(a->second, b->second)] = {r, m.encoder.find(m.vocab[512 + r])->second};
  }
  m.sot = m.encoder.at(kSot);
  m.eot = m.encoder.at(kEot);
}

ClipTokenizer ClipTokenizer::from_file(const std::string& path, int num_merges) {
  std::vector<std::string> merges = load_bpe_merges_limited(path, static_cast<size_t>(std::max(num_merges, 0)));
  SAM3RT_CHECK(merges.size() >= static_cast<size_t>(num_merges), kFormat, path, ": the BPE merges list has ",
               merges.size(), " merges but the model needs ", num_merges,
               "; use the vocabulary file that belongs to the model");
  return ClipTokenizer(merges, num_merges);
}

ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

int ClipTokenizer::vocab_size() const { return static_cast<int>(impl_->vocab.size()); }
int ClipTokenizer::sot_id() const { return impl_->sot; }
int ClipTokenizer::eot_id() const { return impl_->eot; }

const std::string& ClipTokenizer::token(int id) const {
  SAM3RT_CHECK(id >= 0 && id < vocab_size(), kInvalidArgument, "token id ", id, " is outside the vocabulary [0, ",
               vocab_size(), ")");
  return impl_->vocab[id];
}

// ref: SimpleTokenizer.encode
std::vector<int32_t> ClipTokenizer::encode_text(std::string_view text, int64_t max_tokens) const {
  const std::u32string decoded = text::utf8_to_u32(text);
  // A long prompt is cleaned and tokenized from the start in growing prefixes that end at a
  // space (where no cleaning step and no token reaches across), until enough ids exist; the ids
  // are then exactly the first ids of the whole text.
  size_t want = max_tokens < 0 ? decoded.size() : 4096;
  while (true) {
    size_t end = std::min(want, decoded.size());
    while (end < decoded.size() && decoded[end] != U' ') ++end;
    std::vector<int32_t> ids = tokenize_clean(text::clean_lower_prefix(decoded, end), max_tokens);
    if (end == decoded.size() || static_cast<int64_t>(ids.size()) >= max_tokens) {
      if (max_tokens >= 0 && static_cast<int64_t>(ids.size()) > max_tokens) ids.resize(static_cast<size_t>(max_tokens));
      return ids;
    }
    want = end * 4;
  }
}

std::vector<int32_t> ClipTokenizer::tokenize_clean(const std::u32string& clean, int64_t max_tokens) const {
  std::vector<int32_t> ids;
  std::string piece;
  for (size_t i = 0; i < clean.size();) {
    if (max_tokens >= 0 && static_cast<int64_t>(ids.size()) >= max_tokens) break;
    bool special = false;
    const size_t n = match_piece(clean, i, &special);
    if (n == 0) {
      ++i;
      continue;
    }
    piece = text::u32_to_utf8(std::u32string_view(clean).substr(i, n));
    i += n;
    const auto sp = special ? impl_->encoder.find(piece) : impl_->encoder.end();
    if (sp != impl_->encoder.end()) ids.push_back(sp->second);  // the reference's cache holds them as-is
    else impl_->encode_piece(piece, &ids);
  }
  return ids;
}

// ref: SimpleTokenizer.__call__
std::vector<int32_t> ClipTokenizer::encode(std::string_view text, int context) const {
  SAM3RT_CHECK(context >= 1, kInvalidArgument, "the tokenizer context length must be at least 1, got ", context);
  // Only the first context − 1 text ids can survive truncation (the last slot becomes EOT).
  std::vector<int32_t> ids = encode_text(text, context);
  std::vector<int32_t> out;
  out.reserve(context);
  out.push_back(impl_->sot);
  out.insert(out.end(), ids.begin(), ids.end());
  out.push_back(impl_->eot);
  if (static_cast<int>(out.size()) > context) {
    out.resize(context);
    out.back() = impl_->eot;
  }
  out.resize(context, kPadId);
  return out;
}

// ref: SimpleTokenizer.decode
std::string ClipTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    const std::u32string t = text::utf8_to_u32(token(id));
    for (size_t k = 0; k < t.size(); ++k) {
      if (t[k] < 512) bytes.push_back(static_cast<char>(impl_->unicode_byte_of[t[k]]));
      else bytes.push_back('?');
    }
  }
  // Special tokens and "</w>" are plain ASCII, which maps to itself in the byte table.
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    if (bytes.compare(i, 4, "</w>") == 0) {
      out.push_back(' ');
      i += 4;
    } else {
      out.push_back(bytes[i++]);
    }
  }
  return text::u32_to_utf8(text::utf8_to_u32(out));  // invalid sequences → U+FFFD (errors="replace")
}

}  // namespace sam3rt
