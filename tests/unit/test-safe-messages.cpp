// Error messages that quote input are safe to print (issue 19): core/safe-text.h itself, then one
// test per reader, each feeding it bytes a terminal must never see (escape sequences, invalid
// UTF-8, bidi overrides, megabytes of text) and checking the one-line message that comes back.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/temp-dir.h"
#include "core/error.h"
#include "core/safe-text.h"
#include "io/hf-checkpoint.h"
#include "io/image.h"
#include "io/native-model-file.h"
#include "io/pickle.h"
#include "io/safetensors.h"
#include "io/torch-checkpoint.h"
#include "io/zip-archive.h"
#include "model/config.h"
#include "pipeline/rle.h"

namespace sam3rt {
namespace {

// Bytes no message may carry raw: ESC (a terminal colour sequence), invalid UTF-8, a bidi override.
const std::string kHostile = std::string("evil\x1b[31mred\xff\xfe") + "\xe2\x80\xae" + "txt";
// The same without invalid UTF-8, for JSON (its parser refuses invalid UTF-8 before we see it).
const std::string kHostileJson = std::string("evil\x1b[31mred\xc2\x85") + "\xe2\x80\xae" + "txt";

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file with the given header bytes (and data) as they are, valid or not.
void write_raw_safetensors(const std::string& path, const std::string& header, const std::string& data = "") {
  std::string file(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(file.data(), &n, 8);
  write_file(path, file + header + data);
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no sam3rt::Error thrown";
  return {};
}

void expect_safe(const std::string& message, size_t cap = kMaxMessageBytes + 64) {
  EXPECT_TRUE(is_safe_text(message)) << message;
  EXPECT_LE(message.size(), cap) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(SafeText, KeepsPrintableUtf8AndEscapesTheRest) {
  EXPECT_EQ(safe_text("plain 'text' \\ ok"), "plain 'text' \\ ok");
  EXPECT_EQ(safe_text("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\x95"), "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\x95");
  EXPECT_EQ(safe_text(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(safe_text("\x1b[31m\n\t\x7f"), "\\x1b[31m\\x0a\\x09\\x7f");
  EXPECT_EQ(safe_text("\xff\xc3"), "\\xff\\xc3");                     // invalid, truncated sequence
  EXPECT_EQ(safe_text("\xc0\xaf"), "\\xc0\\xaf");                     // overlong '/'
  EXPECT_EQ(safe_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");            // UTF-16 surrogate
  EXPECT_EQ(safe_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");   // past U+10FFFF
  EXPECT_EQ(safe_text("\xc2\x85"), "\\xc2\\x85");                     // C1 control NEL
  EXPECT_EQ(safe_text("\xe2\x80\xae"), "\\xe2\\x80\\xae");            // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(safe_text("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");            // LINE SEPARATOR
}

TEST(SafeText, CapsTheLengthAndNamesTheFullSize) {
  const std::string big(1 << 20, 'x');
  const std::string s = safe_text(big, 100);
  EXPECT_EQ(s, std::string(100, 'x') + "...(1048576 bytes)");
  // The cut never splits an escape or a character.
  EXPECT_EQ(safe_text("ab\x01", 4), "ab...(3 bytes)");
  EXPECT_EQ(safe_text("a\xc3\xa9", 2), "a...(3 bytes)");
}

TEST(SafeText, IsIdempotent) {
  const std::string once = safe_text(kHostile);
  EXPECT_EQ(safe_text(once), once);
  EXPECT_TRUE(is_safe_text(once));
  EXPECT_FALSE(is_safe_text(kHostile));
}

TEST(SafeText, EveryErrorMessageIsMadeSafe) {
  const std::string m = message_of([] { fail(ErrorCode::kFormat, "raw ", kHostile, std::string(10000, 'y')); });
  expect_safe(m);
  EXPECT_NE(m.find("raw evil\\x1b[31mred\\xff\\xfe\\xe2\\x80\\xaetxt"), std::string::npos) << m;
}

// --- one test per reader --------------------------------------------------------------------

TEST(SafeMessages, SafetensorsHeaderWithRawBytes) {
  // The case: a corrupt header whose bytes ended up raw in the CLI's error line.
  test::TempDir dir;
  std::string header = "{\"" + kHostile + "\": 12, \x01\xff}";
  write_raw_safetensors(dir.file("bad.safetensors"), header);
  const std::string m = message_of([&] { open_safetensors(dir.file("bad.safetensors")); });
  expect_safe(m);
  EXPECT_NE(m.find("not valid JSON"), std::string::npos) << m;
}

TEST(SafeMessages, SafetensorsTensorNameAndValue) {
  test::TempDir dir;
  const std::string name = kHostileJson + std::string(5000, 'n');
  const std::string header = nlohmann::json{{name, {{"dtype", "F32"}, {"shape", {std::string(5000, 's')}},
                                                    {"data_offsets", {0, 4}}}}}.dump();
  write_raw_safetensors(dir.file("name.safetensors"), header, "0000");
  const std::string m = message_of([&] { open_safetensors(dir.file("name.safetensors")); });
  expect_safe(m, 2 * kMaxQuotedBytes + 200 + dir.file("name.safetensors").size());
  EXPECT_NE(m.find("evil\\x1b"), std::string::npos) << m;
}

TEST(SafeMessages, SafetensorsDeeplyNestedShapeDoesNotRecurse) {
  // Quoting a JSON value used to dump() it, which recursed as deep as the value nests.
  test::TempDir dir;
  const std::string header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[" + std::string(200000, '[') +
                             std::string(200000, ']') + "],\"data_offsets\":[0,0]}}";
  write_raw_safetensors(dir.file("deep.safetensors"), header);
  const std::string m = message_of([&] { open_safetensors(dir.file("deep.safetensors")); });
  expect_safe(m);
  EXPECT_NE(m.find("an array"), std::string::npos) << m;
}

TEST(SafeMessages, NativeModelFormatVersion) {
  test::TempDir dir;
  save_safetensors(dir.file("m.sam3rt"), {{"w", Tensor::zeros({1}, DType::kF32)}},
                   {{"format", "sam3rt"}, {"format_version", kHostileJson}});
  const std::string m = message_of([&] { read_native_model(open_safetensors(dir.file("m.sam3rt"))); });
  expect_safe(m);
  EXPECT_NE(m.find("format_version 'evil\\x1b"), std::string::npos) << m;
}

TEST(SafeMessages, ZipEntryName) {
  test::TempDir dir;
  // One central directory entry whose local header offset is past the end: the message names it.
  std::string cd = "PK\x01\x02" + std::string(24, '\0');
  const uint16_t name_len = static_cast<uint16_t>(kHostile.size());
  cd += std::string(reinterpret_cast<const char*>(&name_len), 2) + std::string(12, '\0');
  const uint32_t local = 0x7fffffff;
  cd += std::string(reinterpret_cast<const char*>(&local), 4) + kHostile;
  std::string file = "PK\x03\x04" + std::string(26, '\0');
  const uint32_t cd_offset = static_cast<uint32_t>(file.size()), cd_size = static_cast<uint32_t>(cd.size());
  file += cd;
  std::string end = "PK\x05\x06" + std::string(4, '\0');
  end += std::string("\x01\x00\x01\x00", 4) + std::string(reinterpret_cast<const char*>(&cd_size), 4) +
         std::string(reinterpret_cast<const char*>(&cd_offset), 4) + std::string(2, '\0');
  write_file(dir.file("bad.zip"), file + end);
  const std::string m = message_of([&] { ZipArchive z(MappedFile::open(dir.file("bad.zip"))); });
  expect_safe(m);
  EXPECT_NE(m.find("local header"), std::string::npos) << m;
}

TEST(SafeMessages, PickleGlobalName) {
  // GLOBAL "<hostile>\n<name>\n", empty tuple, REDUCE, STOP: the unsupported call is quoted.
  const std::string program = "c" + kHostile + "\nname\n)R.";
  const std::string m = message_of([&] {
    unpickle(reinterpret_cast<const uint8_t*>(program.data()), program.size(), "x.pt", UnpicklerHooks{});
  });
  expect_safe(m);
  EXPECT_NE(m.find("calls 'evil\\x1b"), std::string::npos) << m;
}

TEST(SafeMessages, TorchCheckpointWithoutDataPkl) {
  test::TempDir dir;
  write_file(dir.file("x.pt"), "PK\x05\x06" + std::string(18, '\0'));
  expect_safe(message_of([&] { load_torch_state_dict(dir.file("x.pt")); }));
}

TEST(SafeMessages, HuggingFaceConfigAndIndex) {
  nlohmann::json cfg = {{"model_type", kHostileJson + std::string(3000, 'm')}};
  const std::string m = message_of([&] { config_from_hf_json(cfg, "config.json"); });
  expect_safe(m, kMaxQuotedBytes + 200);
  EXPECT_NE(m.find("model_type 'evil\\x1b"), std::string::npos) << m;
  const std::string mi = message_of([&] {
    hf_index_shards(nlohmann::json{{"weight_map", {{"a", "../../etc/" + kHostileJson}}}}, "index.json");
  });
  expect_safe(mi);
  EXPECT_NE(mi.find("not a file name"), std::string::npos) << mi;
}

TEST(SafeMessages, ModelConfigurationField) {
  const std::string m =
      message_of([] { Sam3Config::from_json({{"vit_dim", kHostileJson + std::string(3000, 'v')}}); });
  expect_safe(m, kMaxQuotedBytes + 200);
  EXPECT_NE(m.find("vit_dim"), std::string::npos) << m;
}

TEST(SafeMessages, ImageNameAndDecoderMessage) {
  // A PNG signature then garbage: libpng's message and the (hostile) name both appear, escaped.
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + kHostile;
  const std::string m = message_of([&] {
    decode_image_memory(reinterpret_cast<const uint8_t*>(png.data()), png.size(), {}, kHostile);
  });
  expect_safe(m);
}

TEST(SafeMessages, RleString) {
  const std::string m = message_of([] { pipeline::rle_from_string("12\x1b" "3"); });
  expect_safe(m);
  EXPECT_NE(m.find("'\\x1b'"), std::string::npos) << m;
}

}  // namespace
}  // namespace sam3rt
