// safetensors reader/writer: fixture files, round trips, and every kind of corrupt header.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/test-util.h"
#include "common/temp-dir.h"
#include "io/safetensors.h"

namespace sam3rt {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// 8-byte little-endian length + header + data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

// Expects open_safetensors to throw an Error whose message contains every fragment and the path.
void expect_error(const std::string& path, ErrorCode code, std::initializer_list<const char*> fragments) {
  try {
    open_safetensors(path);
    FAIL() << "expected an error for " << path;
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message is not one line: " << msg;
    for (const char* f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
  }
}

TEST(IoSafetensors, ReadsFixtureCase) {
  std::string path = test::data_dir() + "/sam3-tiny-fp32/cases/text_person.safetensors";
  SafetensorsFile f = open_safetensors(path);
  const Tensor& pixels = f.get("input.pixels");
  EXPECT_EQ(pixels.dtype(), DType::kF32);
  EXPECT_EQ(pixels.shape(), Shape({1, 3, 168, 168}));
  // input.pixels = (resized/255 - 0.5)/0.5 exactly as the README says: check it against the u8 image.
  const Tensor& u8 = f.get("input.resized_u8");
  EXPECT_EQ(u8.dtype(), DType::kU8);
  EXPECT_EQ(u8.shape(), Shape({3, 168, 168}));
  for (int64_t i : {0, 1000, 20000, 3 * 168 * 168 - 1}) {
    float expected = (static_cast<float>(u8.data<uint8_t>()[i]) / 255.f - 0.5f) / 0.5f;
    EXPECT_NEAR(pixels.data<float>()[i], expected, 1e-6f);
  }
  const Tensor& ids = f.get("input.token_ids");
  EXPECT_EQ(ids.dtype(), DType::kI32);
  EXPECT_EQ(ids.shape(), Shape({1, 32}));
  EXPECT_EQ(f.get("out.mask_probs_f16").dtype(), DType::kF16);
  EXPECT_EQ(f.names_in_file_order().size(), f.tensors().size());
  EXPECT_THROW(f.get("no.such.tensor"), Error);
}

TEST(IoSafetensors, ReadsHuggingFaceMetadata) {
  SafetensorsFile f = open_safetensors(test::data_dir() + "/sam3-tiny/model-hf/model.safetensors");
  ASSERT_EQ(f.metadata().count("format"), 1u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_GT(f.tensors().size(), 300u);
}

TEST(IoSafetensors, RoundTripEveryDtypeWithMetadata) {
  TempDir dir;
  std::map<std::string, Tensor> in;
  in["a.f32"] = test::random_tensor({3, 5, 7}, 1);
  in["b.f16"] = test::random_tensor({4, 9}, 2).to(DType::kF16);
  in["c.bf16"] = test::random_tensor({11}, 3).to(DType::kBF16);
  in["d.i32"] = Tensor::from_vector_i32({2, 3}, {1, -2, 3, -4, 5, 2147483647});
  Tensor i64 = Tensor::empty({3}, DType::kI64);
  i64.data<int64_t>()[0] = -1;
  i64.data<int64_t>()[1] = int64_t{1} << 40;
  i64.data<int64_t>()[2] = 7;
  in["e.i64"] = i64;
  Tensor u8 = Tensor::empty({5}, DType::kU8);
  for (int i = 0; i < 5; ++i) u8.data<uint8_t>()[i] = static_cast<uint8_t>(i * 50 + 3);
  in["f.u8"] = u8;
  in["g.empty"] = Tensor::empty({0, 4});
  in["h.noncontig"] = test::random_tensor({6, 4}, 4).transpose(0, 1);
  std::string path = dir.file("rt.safetensors");
  save_safetensors(path, in, {{"format", "test"}, {"note", "round trip"}});

  SafetensorsFile f = open_safetensors(path);
  EXPECT_EQ(f.metadata().at("format"), "test");
  EXPECT_EQ(f.metadata().at("note"), "round trip");
  ASSERT_EQ(f.tensors().size(), in.size());
  for (const auto& [name, t] : in) {
    const Tensor& r = f.get(name);
    EXPECT_EQ(r.dtype(), t.dtype()) << name;
    ASSERT_EQ(r.shape(), t.shape()) << name;
    Tensor c = t.contiguous();
    EXPECT_EQ(std::memcmp(r.raw_data(), c.raw_data(), c.nbytes()), 0) << name;
    // Each tensor is aligned to its element size in the map.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.raw_data()) % dtype_size(r.dtype()), 0u) << name;
  }
  // The data section starts on a 64-byte boundary.
  std::ifstream is(path, std::ios::binary);
  uint8_t len[8];
  is.read(reinterpret_cast<char*>(len), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  EXPECT_EQ((8 + n) % 64, 0u);
}

TEST(IoSafetensors, WriterConvertsFloatDtypes) {
  TempDir dir;
  Tensor x = test::random_tensor({257}, 9);
  std::string path = dir.file("conv.safetensors");
  write_safetensors(path, {{"x16", DType::kF16, x.shape()}, {"xb", DType::kBF16, x.shape()}}, {},
                    [&](size_t) { return x; });
  SafetensorsFile f = open_safetensors(path);
  EXPECT_EQ(f.get("x16").dtype(), DType::kF16);
  EXPECT_EQ(f.get("xb").dtype(), DType::kBF16);
  EXPECT_EQ(test::max_abs_diff(f.get("x16"), x.to(DType::kF16)), 0.0);
  EXPECT_EQ(test::max_abs_diff(f.get("xb"), x.to(DType::kBF16)), 0.0);
  EXPECT_LT(test::max_abs_diff(f.get("x16"), x), 1e-3);
  // The file is published atomically: no temporary is left behind.
  EXPECT_FALSE(test::file_exists(path + ".tmp"));
}

TEST(IoSafetensorsBad, NonExistentPath) {
  TempDir dir;
  expect_error(dir.file("missing.safetensors"), ErrorCode::kIo, {"cannot open"});
}

TEST(IoSafetensorsBad, EmptyFile) {
  TempDir dir;
  std::string p = dir.file("empty.safetensors");
  write_bytes(p, "");
  expect_error(p, ErrorCode::kFormat, {"empty"});
}

TEST(IoSafetensorsBad, ShorterThanHeaderLength) {
  TempDir dir;
  std::string p = dir.file("short.safetensors");
  write_bytes(p, "abc");
  expect_error(p, ErrorCode::kFormat, {"too short"});
}

TEST(IoSafetensorsBad, HeaderLengthBeyondFile) {
  TempDir dir;
  std::string p = dir.file("len.safetensors");
  std::string bytes = safetensors_bytes("{}", "");
  bytes[0] = 100;  // claims 100 header bytes, the file has 2
  write_bytes(p, bytes);
  expect_error(p, ErrorCode::kFormat, {"header length"});
  // A length near 2^64 must not wrap around the bounds check.
  std::string huge(8, '\xff');
  write_bytes(p, huge + "{}");
  expect_error(p, ErrorCode::kFormat, {"header length"});
}

TEST(IoSafetensorsBad, BogusJson) {
  TempDir dir;
  std::string p = dir.file("json.safetensors");
  write_bytes(p, safetensors_bytes("{\"a\": {\"dtype\": \"F32\", ", "1234"));
  expect_error(p, ErrorCode::kFormat, {"not valid JSON"});
  write_bytes(p, safetensors_bytes("[1, 2, 3]", ""));
  expect_error(p, ErrorCode::kFormat, {"not a JSON object"});
}

TEST(IoSafetensorsBad, NegativeOffset) {
  TempDir dir;
  std::string p = dir.file("neg.safetensors");
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "negative"});
}

TEST(IoSafetensorsBad, NegativeDimension) {
  TempDir dir;
  std::string p = dir.file("negdim.safetensors");
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "negative"});
}

TEST(IoSafetensorsBad, OverlappingOffsets) {
  TempDir dir;
  std::string p = dir.file("overlap.safetensors");
  write_bytes(p, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                       "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                   std::string(12, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'a'", "'b'", "overlap"});
}

TEST(IoSafetensorsBad, OutOfRangeOffsets) {
  TempDir dir;
  std::string p = dir.file("range.safetensors");
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "beyond the end"});
}

TEST(IoSafetensorsBad, OffsetsDisagreeWithShape) {
  TempDir dir;
  std::string p = dir.file("span.safetensors");
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "needs 12 bytes"});
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "end before they begin"});
}

TEST(IoSafetensorsBad, OverflowingSize) {
  TempDir dir;
  std::string p = dir.file("overflow.safetensors");
  // 2^32 * 2^32 elements wraps a 64-bit product to 0, which would match data_offsets [0, 0].
  write_bytes(p, safetensors_bytes(
                     R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})", ""));
  expect_error(p, ErrorCode::kFormat, {"'w'", "overflows"});
  // An offset beyond 2^64 is parsed by JSON as a float: not an integer.
  write_bytes(p, safetensors_bytes(
                     R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 99999999999999999999999]}})",
                     std::string(4, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "not a non-negative integer"});
}

TEST(IoSafetensorsBad, UnsupportedDtypeAndMissingFields) {
  TempDir dir;
  std::string p = dir.file("dtype.safetensors");
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}})",
                                   std::string(8, '\0')));
  expect_error(p, ErrorCode::kUnsupported, {"'w'", "F64"});
  write_bytes(p, safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1]}})", std::string(4, '\0')));
  expect_error(p, ErrorCode::kFormat, {"'w'", "data_offsets"});
  write_bytes(p, safetensors_bytes(R"({"__metadata__": {"a": 1}})", ""));
  expect_error(p, ErrorCode::kFormat, {"__metadata__"});
}

TEST(IoSafetensorsBad, MisalignedDataIsCopiedNotMisread) {
  TempDir dir;
  std::string p = dir.file("misaligned.safetensors");
  // A 61-byte header puts the data at offset 69: f32 values are not 4-byte aligned in the map.
  std::string header = R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
  header.append(61 - header.size(), ' ');
  float vals[2] = {1.5f, -2.25f};
  write_bytes(p, safetensors_bytes(header, std::string(reinterpret_cast<char*>(vals), 8)));
  SafetensorsFile f = open_safetensors(p);
  EXPECT_EQ(f.get("w").to_vector(), (std::vector<float>{1.5f, -2.25f}));
}

}  // namespace
}  // namespace sam3rt
