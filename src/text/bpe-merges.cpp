// ref: sam3/model/tokenizer_ve.py SimpleTokenizer.__init__ (gzip.open(bpe_path).read()
// .decode("utf-8").split("\n")[1:...]) for the CLIP format; the Hugging Face CLIP tokenizer files
// (vocab.json + merges.txt, tokenizer.json) for the others.
#include "text/bpe-merges.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"
#include "core/log.h"
#include "text/text-clean.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

// The file, gunzipped when it is gzip (zlib's gzread passes plain files through); reading stops
// once max_lines lines are complete (a CLIP file is mostly merges SAM 3 does not use).
std::string read_maybe_gzip(const std::string& path, size_t max_lines = static_cast<size_t>(-1)) {
  std::error_code ec;
  SAM3RT_CHECK(fs::exists(path, ec), kIo, path, ": tokenizer file not found");
  SAM3RT_CHECK(!fs::is_directory(path, ec), kIo, path, ": is a folder, expected a tokenizer file");
  gzFile f = gzopen(path.c_str(), "rb");
  SAM3RT_CHECK(f, kIo, path, ": cannot open the tokenizer file (check its permissions)");
  std::string out;
  char buf[1 << 16];
  int n;
  size_t lines = 0;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
    lines += static_cast<size_t>(std::count(buf, buf + n, '\n'));
    if (lines >= max_lines) break;
  }
  if (n > 0) n = 0;  // stopped early on purpose
  int err = Z_OK;
  const char* msg = n < 0 ? gzerror(f, &err) : nullptr;
  const std::string message = msg ? msg : "";
  gzclose(f);
  SAM3RT_CHECK(n == 0, kFormat, path, ": corrupt or truncated gzip data (", message, ")");
  return out;
}

// CLIP / HF merges text: a header line, then one "a b" merge per line.
std::vector<std::string> parse_merges_text(const std::string& text, const std::string& path,
                                           size_t max_merges = static_cast<size_t>(-1)) {
  std::vector<std::string> merges;
  merges.reserve(std::min<size_t>(max_merges, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1));
  size_t pos = 0;
  bool first = true;
  while (pos <= text.size() && merges.size() < max_merges) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      // The reference always drops line 0 (CLIP's header "...#version: 0.2"); HF files start
      // with "#version". A first line without either is taken as a merge.
      if (line.find("#version") == std::string_view::npos && !(line.size() > 0 && line[0] == '#')) {
        log_debug(path, ": no header line; reading merges from line 1");
        merges.emplace_back(line);
      }
    } else if (!line.empty() || end < text.size()) {
      merges.emplace_back(line);
    }
    if (end == text.size()) break;
    pos = end + 1;
  }
  SAM3RT_CHECK(!merges.empty(), kFormat, path, ": no BPE merges in the file");
  for (size_t i = 0; i < merges.size() && i < 3; ++i) {
    const std::string& m = merges[i];
    const size_t sp = m.find(' ');
    SAM3RT_CHECK(sp != std::string::npos && sp > 0 && sp + 1 < m.size() && m.find(' ', sp + 1) == std::string::npos,
                 kFormat, path, ": line ", i + 2, " is not a BPE merge (\"", m.substr(0, 40),
                 "\"); expected a CLIP merges file (two symbols per line)");
  }
  return merges;
}

// The vocabulary CLIP's construction gives id `id` (< 512 + merges.size()).
std::string expected_token(const std::vector<std::string>& merges, int id) {
  static const std::vector<std::string> bytes = [] {
    std::vector<std::string> v;
    std::vector<int> order;
    for (int b = '!'; b <= '~'; ++b) order.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) order.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) order.push_back(b);
    for (int b : order) v.push_back(text::u32_to_utf8(std::u32string(1, static_cast<char32_t>(b))));
    for (int b = 0, n = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      if (!printable) v.push_back(text::u32_to_utf8(std::u32string(1, static_cast<char32_t>(256 + n++))));
    }
    return v;
  }();
  if (id < 256) return bytes[id];
  if (id < 512) return bytes[id - 256] + "</w>";
  const std::string& m = merges[id - 512];
  const size_t sp = m.find(' ');
  return m.substr(0, sp) + m.substr(sp + 1);
}

// HF vocab ids must be CLIP's: byte symbols, "</w>" symbols, merges in order, then the two
// specials. Anything else would silently give the checkpoint's embedding rows the wrong tokens.
void check_vocab(const nlohmann::json& vocab, const std::vector<std::string>& merges, const std::string& path) {
  SAM3RT_CHECK(vocab.is_object(), kFormat, path, ": the vocabulary is not a JSON object of token → id");
  const int64_t size = static_cast<int64_t>(vocab.size());
  const int64_t used = size - 512 - 2;
  SAM3RT_CHECK(used >= 0 && used <= static_cast<int64_t>(merges.size()), kFormat, path, ": the vocabulary has ", size,
               " entries, which does not fit ", merges.size(), " merges + 512 byte symbols + 2 special tokens");
  for (const auto& [tok, idj] : vocab.items()) {
    SAM3RT_CHECK(idj.is_number_integer(), kFormat, path, ": the id of token \"", tok, "\" is not an integer");
    const int64_t id = idj.get<int64_t>();
    SAM3RT_CHECK(id >= 0 && id < size, kFormat, path, ": token \"", tok, "\" has id ", id, " outside [0, ", size, ")");
    if (id < 512 + used) {
      const std::string want = expected_token(merges, static_cast<int>(id));
      SAM3RT_CHECK(tok == want, kFormat, path, ": token id ", id, " is \"", tok, "\" but CLIP's construction from the merges gives \"",
                   want, "\"; these tokenizer files do not match the CLIP vocabulary the model was trained with");
    }
  }
}

nlohmann::json parse_json(const std::string& text, const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kFormat, path, ": invalid JSON (", e.what(), ")");
  }
}

std::vector<std::string> load_tokenizer_json(const nlohmann::json& j, const std::string& path) {
  SAM3RT_CHECK(j.contains("model") && j["model"].is_object() && j["model"].contains("merges"), kFormat, path,
               ": not a Hugging Face tokenizer.json (no model.merges)");
  const nlohmann::json& model = j["model"];
  if (model.contains("type") && model["type"].is_string())
    SAM3RT_CHECK(model["type"] == "BPE", kFormat, path, ": tokenizer model type is ", model["type"].get<std::string>(),
                 ", expected BPE");
  std::vector<std::string> merges;
  for (const auto& m : model["merges"]) {
    if (m.is_string()) {
      merges.push_back(m.get<std::string>());
    } else {
      SAM3RT_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), kFormat, path,
                   ": model.merges holds an entry that is neither \"a b\" nor [\"a\", \"b\"]");
      merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    }
  }
  SAM3RT_CHECK(!merges.empty(), kFormat, path, ": model.merges is empty");
  if (model.contains("vocab")) check_vocab(model["vocab"], merges, path);
  return merges;
}

std::vector<std::string> load_hf_pair(const fs::path& vocab_path, const fs::path& merges_path) {
  std::vector<std::string> merges = parse_merges_text(read_maybe_gzip(merges_path.string()), merges_path.string());
  check_vocab(parse_json(read_maybe_gzip(vocab_path.string()), vocab_path.string()), merges, vocab_path.string());
  return merges;
}

// Lines to read for max_merges merges: the header too, and one more so the last is complete.
size_t header_and(size_t max_merges) { return max_merges >= static_cast<size_t>(-1) - 2 ? max_merges : max_merges + 2; }

}  // namespace

std::vector<std::string> load_bpe_merges(const std::string& path) {
  return load_bpe_merges_limited(path, static_cast<size_t>(-1));
}

std::vector<std::string> load_bpe_merges_limited(const std::string& path, size_t max_merges) {
  std::error_code ec;
  const fs::path p(path);
  SAM3RT_CHECK(fs::exists(p, ec), kIo, path, ": tokenizer file or folder not found");
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "merges.txt", ec)) {
      if (fs::exists(p / "vocab.json", ec)) return load_hf_pair(p / "vocab.json", p / "merges.txt");
      return parse_merges_text(read_maybe_gzip((p / "merges.txt").string()), (p / "merges.txt").string());
    }
    if (fs::exists(p / "tokenizer.json", ec))
      return load_tokenizer_json(parse_json(read_maybe_gzip((p / "tokenizer.json").string()), path),
                                 (p / "tokenizer.json").string());
    if (fs::exists(p / "bpe_simple_vocab_16e6.txt.gz", ec))
      return parse_merges_text(read_maybe_gzip((p / "bpe_simple_vocab_16e6.txt.gz").string(), header_and(max_merges)),
                               path, max_merges);
    fail(ErrorCode::kIo, path, ": no tokenizer files in this folder (expected vocab.json + merges.txt, tokenizer.json "
                               "or bpe_simple_vocab_16e6.txt.gz)");
  }
  const bool hf_pair = p.filename() == "merges.txt" && fs::exists(p.parent_path() / "vocab.json", ec);
  // JSON files are read whole (the line limit only applies to a text merges file).
  const std::string text = read_maybe_gzip(path, hf_pair ? static_cast<size_t>(-1) : header_and(max_merges));
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    const nlohmann::json j = parse_json(text, path);
    if (j.contains("model")) return load_tokenizer_json(j, path);
    // A vocab.json: its merges.txt must be beside it.
    const fs::path merges_path = p.parent_path() / "merges.txt";
    SAM3RT_CHECK(fs::exists(merges_path, ec), kIo, path, ": a vocab.json needs its merges.txt beside it (",
                 merges_path.string(), " not found)");
    std::vector<std::string> merges = parse_merges_text(read_maybe_gzip(merges_path.string()), merges_path.string());
    check_vocab(j, merges, path);
    return merges;
  }
  std::vector<std::string> merges = parse_merges_text(text, path, hf_pair ? static_cast<size_t>(-1) : max_merges);
  if (hf_pair)
    check_vocab(parse_json(read_maybe_gzip((p.parent_path() / "vocab.json").string()), path), merges,
                (p.parent_path() / "vocab.json").string());
  return merges;
}

}  // namespace sam3rt
