// ClipTokenizer against the official tokenizer's ids (tiny vocabulary fixture and, when present,
// the real CLIP vocabulary), the Hugging Face file formats, and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "text/bpe-merges.h"
#include "text/clip-tokenizer.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;
const std::string kTiny = test::data_dir() + "/sam3-tiny";
constexpr int kTinyMerges = 400;  // sam3-tiny.config.json bpe_merges

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void expect_cases(const ClipTokenizer& tok, const nlohmann::json& cases, const std::string& what) {
  const int context = cases.at("context_length");
  ASSERT_EQ(tok.sot_id(), cases.at("start_id").get<int>());
  ASSERT_EQ(tok.eot_id(), cases.at("end_id").get<int>());
  ASSERT_EQ(tok.vocab_size(), cases.at("vocab_size").get<int>());
  int n = 0;
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text");
    EXPECT_EQ(tok.encode(text, context), c.at("ids").get<std::vector<int32_t>>()) << what << ": \"" << text << "\"";
    ++n;
  }
  EXPECT_GE(n, 60) << what;
}

const ClipTokenizer& tiny() {
  static const ClipTokenizer tok = ClipTokenizer::from_file(kTiny + "/model/tiny-bpe.txt.gz", kTinyMerges);
  return tok;
}

TEST(ClipTokenizer, TinyVocabularyMatchesReferenceOnEveryCase) {
  expect_cases(tiny(), read_json(kTiny + "/tokenizer_cases_tiny_vocab.json"), "tiny");
}

TEST(ClipTokenizer, RealClipVocabularyMatchesReferenceOnEveryCase) {
  // SAM3RT_SHARED_DIR overrides the default location (../shared beside the checkout).
  const char* env = std::getenv("SAM3RT_SHARED_DIR");
  const std::string dir = (env ? std::string(env) : test::shared_dir()) + "/assets/clip-bpe";
  if (!test::file_exists(dir + "/bpe_simple_vocab_16e6.txt.gz"))
    GTEST_SKIP() << "the CLIP vocabulary is not at " << dir << " (shared assets absent)";
  const ClipTokenizer tok = ClipTokenizer::from_file(dir + "/bpe_simple_vocab_16e6.txt.gz", 48894);
  expect_cases(tok, read_json(dir + "/tokenizer_cases.json"), "clip");
  // spec §3 examples
  EXPECT_EQ(tok.encode_text("a photo of a cat"), (std::vector<int32_t>{320, 1125, 539, 320, 2368}));
  EXPECT_EQ(tok.encode_text("!~"), (std::vector<int32_t>{0, 349}));
}

TEST(ClipTokenizer, HuggingFaceFilesGiveTheSameIds) {
  const nlohmann::json cases = read_json(kTiny + "/tokenizer_cases_tiny_vocab.json");
  const std::string hf = kTiny + "/model-hf";
  for (const std::string& path : {hf, hf + "/vocab.json", hf + "/merges.txt"}) {
    const ClipTokenizer tok = ClipTokenizer::from_file(path, kTinyMerges);
    expect_cases(tok, cases, path);
  }
  EXPECT_EQ(load_bpe_merges(hf), load_bpe_merges(kTiny + "/model/tiny-bpe.txt.gz"));
}

using test::TempDir;

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(ClipTokenizer, TokenizerJsonWithStringOrPairMerges) {
  const std::vector<std::string> merges = load_bpe_merges(kTiny + "/model/tiny-bpe.txt.gz");
  const nlohmann::json vocab = read_json(kTiny + "/model-hf/vocab.json");
  for (bool pairs : {false, true}) {
    nlohmann::json jm = nlohmann::json::array();
    for (const std::string& m : merges) {
      const size_t sp = m.find(' ');
      if (pairs) jm.push_back({m.substr(0, sp), m.substr(sp + 1)});
      else jm.push_back(m);
    }
    nlohmann::json j = {{"version", "1.0"}, {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", jm}}}};
    TempDir dir;
    write_text(dir.file("tokenizer.json"), j.dump());
    expect_cases(ClipTokenizer::from_file(dir.file("tokenizer.json"), kTinyMerges),
                 read_json(kTiny + "/tokenizer_cases_tiny_vocab.json"), pairs ? "pairs" : "strings");
    EXPECT_EQ(load_bpe_merges(dir.str()), merges);  // the folder form
  }
}

TEST(ClipTokenizer, RefusesVocabularyThatDisagreesWithMerges) {
  nlohmann::json vocab = read_json(kTiny + "/model-hf/vocab.json");
  vocab["a"] = 65;  // swap two ids
  vocab["b"] = 64;
  TempDir dir;
  write_text(dir.file("vocab.json"), vocab.dump());
  fs::copy_file(kTiny + "/model-hf/merges.txt", dir.file("merges.txt"));
  try {
    load_bpe_merges(dir.str());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("vocab.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("do not match"), std::string::npos) << e.what();
  }
}

TEST(ClipTokenizer, BadFilesAreClearErrors) {
  TempDir dir;
  auto expect_error = [](const std::string& path, ErrorCode code) {
    try {
      ClipTokenizer::from_file(path, kTinyMerges);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  expect_error(dir.file("missing.txt.gz"), ErrorCode::kIo);
  expect_error(dir.str(), ErrorCode::kIo);  // a folder without tokenizer files
  write_text(dir.file("garbage.txt"), "#version: 0.2\nthis line has too many parts\n");
  expect_error(dir.file("garbage.txt"), ErrorCode::kFormat);
  write_text(dir.file("short.txt"), "#version: 0.2\na b\n");
  try {
    ClipTokenizer::from_file(dir.file("short.txt"), kTinyMerges);
    ADD_FAILURE() << "no error for too few merges";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("needs 400"), std::string::npos) << e.what();
  }
  // A truncated gzip file.
  std::ifstream in(kTiny + "/model/tiny-bpe.txt.gz", std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_text(dir.file("cut.txt.gz"), gz.substr(0, gz.size() / 2));
  expect_error(dir.file("cut.txt.gz"), ErrorCode::kFormat);
}

TEST(ClipTokenizer, TruncationForcesEndTokenAndPadsWithZero) {
  const ClipTokenizer& tok = tiny();
  const std::vector<int32_t> ids = tok.encode("one two three four five six seven eight nine ten", 5);
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids.front(), tok.sot_id());
  EXPECT_EQ(ids.back(), tok.eot_id());
  const std::vector<int32_t> full = tok.encode_text("one two three four five six seven eight nine ten");
  EXPECT_EQ(std::vector<int32_t>(ids.begin() + 1, ids.end() - 1), std::vector<int32_t>(full.begin(), full.begin() + 3));
  EXPECT_EQ(tok.encode("cat", 1), (std::vector<int32_t>{tok.eot_id()}));  // [:1] then last = EOT
  EXPECT_EQ(tok.encode("", 4), (std::vector<int32_t>{tok.sot_id(), tok.eot_id(), 0, 0}));
  EXPECT_THROW(tok.encode("cat", 0), Error);
}

TEST(ClipTokenizer, PaddingMaskKeepsTheReferenceQuirk) {
  const ClipTokenizer& tok = tiny();
  const std::vector<int32_t> ids = tok.encode("!~ a", 8);  // "!" is id 0 when merged with nothing
  const std::vector<uint8_t> mask = text_padding_mask(ids);
  ASSERT_EQ(mask.size(), 8u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(mask[i], ids[i] == 0 ? 1 : 0);
  EXPECT_EQ(ids[1], 0);   // the genuine "!" token...
  EXPECT_EQ(mask[1], 1);  // ...is masked as padding, like the reference
  EXPECT_EQ(mask[0], 0);
  EXPECT_EQ(mask.back(), 1);
}

TEST(ClipTokenizer, InvalidUtf8IsReplacedNotAnError) {
  const ClipTokenizer& tok = tiny();
  const std::string bad = "ca\xff\xfe t\xe2\x82 \xc3";  // stray bytes, a cut 3-byte and 2-byte sequence
  const std::vector<int32_t> ids = tok.encode(bad, 32);
  // Each maximal invalid subsequence is one U+FFFD, as Python's decode(errors="replace").
  const std::string same = "ca\xEF\xBF\xBD\xEF\xBF\xBD t\xEF\xBF\xBD \xEF\xBF\xBD";
  EXPECT_EQ(ids, tok.encode(same, 32));
  EXPECT_EQ(ids.front(), tok.sot_id());
}

TEST(ClipTokenizer, NulBytesAreRemovedLikeOtherControlCharacters) {
  const ClipTokenizer& tok = tiny();
  const std::string with_nul("c\0a\0t", 5);
  EXPECT_EQ(tok.encode(with_nul, 32), tok.encode("cat", 32));
  EXPECT_EQ(tok.encode(std::string(100, '\0'), 32), tok.encode("", 32));
}

TEST(ClipTokenizer, HugePromptIsTruncatedQuickly) {
  const ClipTokenizer& tok = tiny();
  std::string words;
  while (words.size() < (1 << 20)) words += "the quick brown fox jumps over the lazy dog ";
  const std::string giant_word(1 << 20, 'x');
  const std::string mixed = "red " + std::string(1 << 20, 'q') + " cat";
  // Pathological for the cleaning (issue 19): entity references nested 200,000 deep and back to
  // back, invalid UTF-8, and one base letter with 300,000 combining marks (canonical ordering in
  // NFC sorts them: quadratic if done naively).
  std::string nested = "&";
  for (int i = 0; i < 200000; ++i) nested += "amp;";
  nested += "lt; cat";
  std::string refs;
  while (refs.size() < (1 << 20)) refs += "&#x41;&lt&amp;&#9999999999;&";
  const std::string invalid(1 << 20, '\xff');
  std::string marks = "a";
  for (int i = 0; i < 300000; ++i) marks += (i % 2) ? "\xcc\x81" : "\xcc\xa3";  // U+0301, U+0323
  for (const std::string* text :
       std::vector<const std::string*>{&words, &giant_word, &mixed, &nested, &refs, &invalid, &marks}) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int32_t> ids = tok.encode(*text, 32);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(ids.size(), 32u);
    EXPECT_EQ(ids.back(), tok.eot_id());
    if (text == &words || text == &giant_word || text == &mixed) {
      EXPECT_NE(ids[30], 0);
    }
    // Cleaning is linear and BPE stops once the context is full (a giant single word is merged
    // with a heap, O(n log n)); generous for sanitizer builds.
    EXPECT_LT(seconds, 10.0) << text->substr(0, 20);
    std::printf("[ tokenize ] 1 MiB prompt (%s...): %.3f s\n", text->substr(0, 10).c_str(), seconds);
  }
}

// Oracle: the reference's BPE loop on strings (pass by pass), for random words over the tiny
// vocabulary's alphabet, against the tokenizer's heap-based merging.
std::vector<std::string> reference_bpe(const std::string& word, const std::map<std::pair<std::string, std::string>, int>& ranks) {
  std::vector<std::string> w;
  for (size_t i = 0; i < word.size(); ++i) w.push_back(std::string(1, word[i]) + (i + 1 == word.size() ? "</w>" : ""));
  while (w.size() > 1) {
    int best = -1;
    std::pair<std::string, std::string> bigram;
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      const auto it = ranks.find({w[i], w[i + 1]});
      if (it != ranks.end() && (best < 0 || it->second < best)) best = it->second, bigram = it->first;
    }
    if (best < 0) break;
    std::vector<std::string> out;
    for (size_t i = 0; i < w.size();) {
      if (i + 1 < w.size() && w[i] == bigram.first && w[i + 1] == bigram.second) {
        out.push_back(w[i] + w[i + 1]);
        i += 2;
      } else {
        out.push_back(w[i++]);
      }
    }
    w = out;
  }
  return w;
}

TEST(ClipTokenizer, HeapMergingEqualsTheReferenceLoop) {
  const std::vector<std::string> merges = load_bpe_merges(kTiny + "/model/tiny-bpe.txt.gz");
  std::map<std::pair<std::string, std::string>, int> ranks;
  for (int r = 0; r < kTinyMerges; ++r) {
    const size_t sp = merges[r].find(' ');
    ranks[{merges[r].substr(0, sp), merges[r].substr(sp + 1)}] = r;
  }
  const ClipTokenizer& tok = tiny();
  std::mt19937 rng(3);
  const std::string alphabet = "aaeeiioonnrrssttlld";  // letters the tiny merges use most, repeated
  for (int trial = 0; trial < 3000; ++trial) {
    std::string word;
    const int len = 1 + static_cast<int>(rng() % 24);
    for (int i = 0; i < len; ++i) word.push_back(alphabet[rng() % alphabet.size()]);
    std::vector<std::string> want;
    for (const std::string& s : reference_bpe(word, ranks)) want.push_back(s);
    std::vector<std::string> got;
    for (int32_t id : tok.encode_text(word)) got.push_back(tok.token(id));
    ASSERT_EQ(got, want) << word;
  }
}

TEST(ClipTokenizer, ConcurrentEncodingIsConsistent) {
  const ClipTokenizer tok = ClipTokenizer::from_file(kTiny + "/model/tiny-bpe.txt.gz", kTinyMerges);
  const std::vector<std::string> texts = {"a photo of a cat", "red traffic light", "naïve façade", "x86_64"};
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tiny().encode(t, 32));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        const size_t j = static_cast<size_t>(i + k) % texts.size();
        if (tok.encode(texts[j], 32) != expected[j]) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ClipTokenizer, DecodeInvertsEncode) {
  const ClipTokenizer& tok = tiny();
  EXPECT_EQ(tok.decode(tok.encode_text("a photo of a café")), "a photo of a café ");
  EXPECT_THROW(tok.decode({100000}), Error);
}

}  // namespace
}  // namespace sam3rt
