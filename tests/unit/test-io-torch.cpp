// PyTorch checkpoint reader: the fixture sam3-tiny.pt, hand-made zips (zip64, strided and
// complex tensors) and corrupt inputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "io/safetensors.h"
#include "io/torch-checkpoint.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

void put16(std::string& s, uint16_t v) { s += char(v & 0xff), s += char(v >> 8); }
void put32(std::string& s, uint32_t v) { put16(s, v & 0xffff), put16(s, v >> 16); }
void put64(std::string& s, uint64_t v) { put32(s, uint32_t(v)), put32(s, uint32_t(v >> 32)); }

// A stored (uncompressed) zip archive, as torch.save writes them; with zip64 = true every size
// and offset goes through the zip64 extra field and end records.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files, bool zip64 = false) {
  std::string out, cd;
  for (const auto& [name, data] : files) {
    uint64_t local = out.size();
    // Pad the data to a 64-byte boundary with an extra field, like torch.save.
    size_t pad = (64 - (out.size() + 30 + name.size() + 4) % 64) % 64;
    put32(out, 0x04034b50), put16(out, 20), put16(out, 0), put16(out, 0), put32(out, 0), put32(out, 0);
    put32(out, uint32_t(data.size())), put32(out, uint32_t(data.size()));
    put16(out, uint16_t(name.size())), put16(out, uint16_t(4 + pad));
    out += name;
    put16(out, 0x4646), put16(out, uint16_t(pad));
    out += std::string(pad, 'Z');
    out += data;
    std::string extra;
    if (zip64) put16(extra, 1), put16(extra, 24), put64(extra, data.size()), put64(extra, data.size()), put64(extra, local);
    put32(cd, 0x02014b50), put16(cd, 45), put16(cd, 45), put16(cd, 0), put16(cd, 0), put32(cd, 0), put32(cd, 0);
    put32(cd, zip64 ? 0xffffffffu : uint32_t(data.size())), put32(cd, zip64 ? 0xffffffffu : uint32_t(data.size()));
    put16(cd, uint16_t(name.size())), put16(cd, uint16_t(extra.size())), put16(cd, 0), put16(cd, 0), put16(cd, 0);
    put32(cd, 0), put32(cd, zip64 ? 0xffffffffu : uint32_t(local));
    cd += name + extra;
  }
  uint64_t cd_off = out.size();
  out += cd;
  if (zip64) {
    uint64_t z64 = out.size();
    put32(out, 0x06064b50), put64(out, 44), put16(out, 45), put16(out, 45), put32(out, 0), put32(out, 0);
    put64(out, files.size()), put64(out, files.size()), put64(out, cd.size()), put64(out, cd_off);
    put32(out, 0x07064b50), put32(out, 0), put64(out, z64), put32(out, 1);
  }
  put32(out, 0x06054b50), put16(out, 0), put16(out, 0);
  put16(out, zip64 ? 0xffff : uint16_t(files.size())), put16(out, zip64 ? 0xffff : uint16_t(files.size()));
  put32(out, zip64 ? 0xffffffffu : uint32_t(cd.size())), put32(out, zip64 ? 0xffffffffu : uint32_t(cd_off));
  put16(out, 0);
  return out;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string f32_bytes(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

// Pickle helpers (protocol 2 opcodes, as torch.save emits them).
std::string pk_str(const std::string& s) {
  std::string o = "X";
  put32(o, uint32_t(s.size()));
  return o + s;
}
std::string pk_int(int v) {
  std::string o = "J";
  put32(o, uint32_t(v));
  return o;
}
std::string pk_tuple(const std::vector<int>& v) {
  std::string o = "(";
  for (int x : v) o += pk_int(x);
  return o + "t";
}
// _rebuild_tensor_v2(storage(key, type, numel), offset, size, stride, False, OrderedDict())
std::string pk_tensor(const std::string& type, const std::string& key, int numel, int offset,
                      const std::vector<int>& size, const std::vector<int>& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + pk_str("storage") + "ctorch\n" + type + "\n" + pk_str(key) +
         pk_str("cpu") + pk_int(numel) + "tQ" + pk_int(offset) + pk_tuple(size) + pk_tuple(stride) +
         "\x89" "ccollections\nOrderedDict\n)RtR";
}
std::string pk_state_dict(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string o = "\x80\x02}(" + pk_str("model") + "}(";
  for (const auto& [k, v] : items) o += pk_str(k) + v;
  return o + "uu.";
}

std::string error_of(const std::string& path) {
  try {
    load_torch_state_dict(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::string& path, std::initializer_list<const char*> fragments) {
  std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "message is not one line: " << msg;
  for (const char* f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
}

TEST(IoTorch, ReadsFixtureCheckpoint) {
  auto sd = load_torch_state_dict(test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt");
  EXPECT_EQ(sd.size(), 320u);
  const std::string trunk = "detector.backbone.vision_backbone.trunk.";
  ASSERT_EQ(sd.count(trunk + "pos_embed"), 1u);
  EXPECT_EQ(sd[trunk + "pos_embed"].shape(), Shape({1, 17, 32}));  // (56/14)^2 + cls row
  EXPECT_EQ(sd[trunk + "patch_embed.proj.weight"].shape(), Shape({32, 3, 14, 14}));
  EXPECT_EQ(sd[trunk + "patch_embed.proj.weight"].dtype(), DType::kF32);
  // freqs_cis is complex64: window blocks (4x4 window, head_dim 16 -> 8 pairs) as f32 [..., 2].
  const Tensor& fc = sd[trunk + "blocks.0.attn.freqs_cis"];
  ASSERT_EQ(fc.shape(), Shape({16, 8, 2}));
  // Every entry of the RoPE table is a unit complex number cos + i sin.
  for (int64_t p = 0; p < 16; ++p)
    for (int64_t j = 0; j < 8; ++j) {
      float re = fc.item_at({p, j, 0}), im = fc.item_at({p, j, 1});
      EXPECT_NEAR(re * re + im * im, 1.f, 1e-5f) << p << "," << j;
    }
  EXPECT_EQ(fc.item_at({0, 0, 0}), 1.f);  // position 0 has angle 0
  EXPECT_EQ(fc.item_at({0, 0, 1}), 0.f);
  // Global blocks use the whole 12x12 grid.
  EXPECT_EQ(sd[trunk + "blocks.1.attn.freqs_cis"].shape(), Shape({144, 8, 2}));
}

TEST(IoTorch, FixtureValuesMatchHuggingFaceFile) {
  auto sd = load_torch_state_dict(test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt");
  auto hf = load_safetensors(test::data_dir() + "/sam3-tiny/model-hf/model.safetensors");
  const Tensor& a = sd.at("detector.backbone.vision_backbone.trunk.patch_embed.proj.weight");
  const Tensor& b = hf.at("detector_model.vision_encoder.backbone.embeddings.patch_embeddings.projection.weight");
  EXPECT_EQ(test::max_abs_diff(a, b), 0.0);
}

TEST(IoTorch, StridedOffsetAndComplexTensorsInZip64) {
  TempDir dir;
  std::vector<float> st = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  std::string pkl = pk_state_dict({
      // a transposed view: size (3, 2) stride (1, 3) of elements 2.. -> [[2,5],[3,6],[4,7]]
      {"t", pk_tensor("FloatStorage", "0", 12, 2, {3, 2}, {1, 3})},
      // complex64 over the same bytes seen as 6 complex numbers, elements 1..4
      {"c", pk_tensor("ComplexFloatStorage", "1", 6, 1, {4}, {1})},
      {"h", pk_tensor("HalfStorage", "2", 2, 0, {2}, {1})},
  });
  uint16_t halves[2] = {0x3c00, 0xc000};  // 1.0, -2.0
  for (bool zip64 : {false, true}) {
    std::string path = dir.file(zip64 ? "z64.pt" : "z32.pt");
    write_bytes(path, make_zip({{"archive/data.pkl", pkl},
                                {"archive/byteorder", "little"},
                                {"archive/data/0", f32_bytes(st)},
                                {"archive/data/1", f32_bytes(st)},
                                {"archive/data/2", std::string(reinterpret_cast<char*>(halves), 4)}},
                               zip64));
    auto sd = load_torch_state_dict(path);
    ASSERT_EQ(sd.size(), 3u);
    EXPECT_EQ(sd["t"].shape(), Shape({3, 2}));
    EXPECT_EQ(sd["t"].to_vector(), (std::vector<float>{2, 5, 3, 6, 4, 7}));
    EXPECT_EQ(sd["c"].shape(), Shape({4, 2}));
    EXPECT_EQ(sd["c"].to_vector(), (std::vector<float>{2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(sd["h"].dtype(), DType::kF16);
    EXPECT_EQ(sd["h"].to_vector(), (std::vector<float>{1, -2}));
  }
}

TEST(IoTorchBad, NonExistentPath) {
  TempDir dir;
  expect_error(dir.file("nope.pt"), {"cannot open"});
}

TEST(IoTorchBad, EmptyFile) {
  TempDir dir;
  std::string p = dir.file("empty.pt");
  write_bytes(p, "");
  expect_error(p, {"empty"});
}

TEST(IoTorchBad, WrongMagic) {
  TempDir dir;
  std::string p = dir.file("magic.pt");
  write_bytes(p, "GIF89a this is not a checkpoint at all, just some bytes");
  expect_error(p, {"not a zip archive"});
}

TEST(IoTorchBad, TruncatedZip) {
  TempDir dir;
  std::string p = dir.file("trunc.pt");
  std::ifstream is(test::data_dir() + "/sam3-tiny/model/sam3-tiny.pt", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  write_bytes(p, all.substr(0, all.size() / 2));
  expect_error(p, {"truncated"});
  // Cut just before the end: the directory is present in part only.
  write_bytes(p, all.substr(0, all.size() - 10));
  expect_error(p, {"truncated"});
}

TEST(IoTorchBad, StorageShorterThanDeclared) {
  TempDir dir;
  std::string p = dir.file("short.pt");
  write_bytes(p, make_zip({{"a/data.pkl", pk_state_dict({{"w", pk_tensor("FloatStorage", "0", 100, 0, {100}, {1})}})},
                           {"a/data/0", f32_bytes({1, 2, 3})}}));
  expect_error(p, {"a/data/0", "100 elements"});
}

TEST(IoTorchBad, TensorOutsideItsStorage) {
  TempDir dir;
  std::string p = dir.file("outside.pt");
  write_bytes(p, make_zip({{"a/data.pkl", pk_state_dict({{"w", pk_tensor("FloatStorage", "0", 3, 2, {2}, {1})}})},
                           {"a/data/0", f32_bytes({1, 2, 3})}}));
  expect_error(p, {"outside its storage"});
}

TEST(IoTorchBad, UnsupportedPickleOpcode) {
  TempDir dir;
  std::string p = dir.file("opcode.pt");
  // INST (0x69 'i') instantiates an arbitrary class: never part of what sam3rt accepts.
  write_bytes(p, make_zip({{"a/data.pkl", std::string("\x80\x02(ios\nsystem\n.")}}));
  expect_error(p, {"opcode 0x69", "INST"});
}

TEST(IoTorchBad, UnsupportedGlobal) {
  TempDir dir;
  std::string p = dir.file("global.pt");
  write_bytes(p, make_zip({{"a/data.pkl", "\x80\x02" "cos\nsystem\n(" + pk_str("echo hi") + "tR."}}));
  expect_error(p, {"'os.system'"});
}

TEST(IoTorchBad, UnsupportedStorageType) {
  TempDir dir;
  std::string p = dir.file("double.pt");
  write_bytes(p, make_zip({{"a/data.pkl", pk_state_dict({{"w", pk_tensor("DoubleStorage", "0", 1, 0, {1}, {1})}})},
                           {"a/data/0", std::string(8, '\0')}}));
  expect_error(p, {"torch.DoubleStorage"});
}

TEST(IoTorchBad, TruncatedPickle) {
  TempDir dir;
  std::string p = dir.file("pkl.pt");
  std::string pkl = pk_state_dict({{"w", pk_tensor("FloatStorage", "0", 1, 0, {1}, {1})}});
  write_bytes(p, make_zip({{"a/data.pkl", pkl.substr(0, pkl.size() / 2)}, {"a/data/0", f32_bytes({1})}}));
  std::string msg = error_of(p);
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_TRUE(msg.find("truncated") != std::string::npos || msg.find("corrupt") != std::string::npos) << msg;
}

TEST(IoTorchBad, ZipWithoutPickle) {
  TempDir dir;
  std::string p = dir.file("nopkl.pt");
  write_bytes(p, make_zip({{"readme.txt", "hello"}}));
  expect_error(p, {"no data.pkl"});
}

}  // namespace
}  // namespace sam3rt
