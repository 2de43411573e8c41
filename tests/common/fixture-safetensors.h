// A minimal safetensors reader for tests of the input stage (reads a whole fixture file; u8, i32,
// i64, f32 and f16 tensors). The library's own reader lives in src/io; this one keeps the input
// tests independent of it.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sam3rt::test {

class FixtureTensors {
 public:
  explicit FixtureTensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    uint8_t len_bytes[8];
    in.read(reinterpret_cast<char*>(len_bytes), 8);
    uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
    std::string header(len, '\0');
    in.read(header.data(), static_cast<std::streamsize>(len));
    bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    header_ = nlohmann::json::parse(header);
  }

  bool has(const std::string& name) const { return header_.contains(name); }

  Tensor get(const std::string& name) const {
    if (!has(name)) throw std::runtime_error("fixture has no tensor " + name);
    const auto& e = header_.at(name);
    const std::string dt = e.at("dtype");
    std::vector<int64_t> shape = e.at("shape").get<std::vector<int64_t>>();
    const size_t begin = e.at("data_offsets")[0].get<size_t>(), end = e.at("data_offsets")[1].get<size_t>();
    DType dtype = dt == "U8" ? DType::kU8 : dt == "I32" ? DType::kI32 : dt == "I64" ? DType::kI64
                : dt == "F16" ? DType::kF16 : DType::kF32;
    if (dt != "U8" && dt != "I32" && dt != "I64" && dt != "F16" && dt != "F32")
      throw std::runtime_error("unsupported fixture dtype " + dt);
    Tensor t = Tensor::empty(Shape(shape), dtype);
    if (t.nbytes() != end - begin) throw std::runtime_error("size mismatch for " + name);
    std::memcpy(t.raw_data(), bytes_.data() + begin, end - begin);
    return t;
  }

 private:
  nlohmann::json header_;
  std::vector<char> bytes_;
};

}  // namespace sam3rt::test
