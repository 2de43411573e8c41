// Tensor: dtype, shape, strides (in elements), a device and refcounted storage. Views (slice,
// permute, transpose, reshape of contiguous data, expand, select) share storage and copy
// nothing; contiguous() copies only when the layout requires it. Dimension order follows the
// reference implementation (row-major, last dimension contiguous).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"

namespace sam3rt {

constexpr int kMaxDims = 8;

// A small fixed-capacity list of dimensions (no heap allocation).
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);
  int size() const { return n_; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  void push_back(int64_t v);
  int64_t numel() const;
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[1, 3, 224, 224]"

 private:
  int64_t d_[kMaxDims] = {};
  int n_ = 0;
};

// Owns (or borrows, with a keep-alive) a block of bytes on one device.
class Storage {
 public:
  // Allocates from the device's allocator.
  Storage(size_t nbytes, Device device);
  // Wraps external memory (e.g. a memory map); `owner` keeps it alive.
  Storage(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::shared_ptr<void> owner_;  // null when allocated by us
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor: defined() == false

  // --- creation ---------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::kF32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::kF32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  // Copies `values` (size must equal shape.numel()).
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
  static Tensor from_vector_i32(const Shape& shape, const std::vector<int32_t>& values);
  // Wraps memory without copying; `owner` keeps it alive (may be null if the caller guarantees
  // the lifetime). Contiguous row-major.
  static Tensor from_blob(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> owner,
                          Device device = Device::cpu());

  // --- metadata ---------------------------------------------------------------------------
  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int dim() const { return shape_.size(); }
  int64_t size(int d) const { return shape_[wrap_dim(d)]; }
  int64_t stride(int d) const { return strides_[wrap_dim(d)]; }
  int64_t numel() const { return shape_.numel(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  int64_t offset() const { return offset_; }  // in elements
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  std::string str() const;  // "f32[1, 3, 224, 224] cpu"

  // --- data access (CPU) ------------------------------------------------------------------
  void* raw_data() const;  // pointer to element 0 of this view
  template <class T> T* data() const {
    SAM3RT_ASSERT(DTypeOf<T>::value == dtype_, "data<", dtype_name(DTypeOf<T>::value), "> on a ",
                  dtype_name(dtype_), " tensor");
    return static_cast<T*>(raw_data());
  }
  // Element access for tests and small tensors (converts to float; any dtype, any layout).
  float item_at(const std::vector<int64_t>& index) const;
  float item() const;  // single-element tensors
  std::vector<float> to_vector() const;  // any dtype, any layout -> f32 values in row-major order

  // --- views (no copy) --------------------------------------------------------------------
  Tensor view(const Shape& shape) const;       // requires a compatible layout; -1 allowed once
  // The view when the layout allows one, else nullopt (no exception: reshape's fast path). A shape
  // that does not hold numel() elements still throws kInvalidArgument.
  std::optional<Tensor> try_view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;    // view when possible, else contiguous copy
  Tensor permute(const std::vector<int>& dims) const;
  Tensor transpose(int a, int b) const;
  Tensor slice(int dim, int64_t start, int64_t end, int64_t step = 1) const;  // end exclusive, clamped
  Tensor select(int dim, int64_t index) const;  // removes `dim`
  Tensor narrow(int dim, int64_t start, int64_t length) const { return slice(dim, start, start + length); }
  Tensor unsqueeze(int dim) const;
  Tensor squeeze(int dim) const;
  Tensor expand(const Shape& shape) const;  // broadcast size-1 dims (stride 0)
  Tensor flatten(int start_dim = 0, int end_dim = -1) const;
  // A view of this tensor's storage with explicit shape, strides and offset (in elements, from
  // the start of the storage, like torch.as_strided); throws kInvalidArgument when any element
  // would fall outside the storage. Used to rebuild checkpoint tensors over a memory map.
  Tensor as_strided(const Shape& shape, const Shape& strides, int64_t storage_offset) const;

  // --- copies -----------------------------------------------------------------------------
  Tensor contiguous() const;  // returns *this when already contiguous
  Tensor clone() const;       // always a new contiguous tensor
  Tensor to(DType dtype) const;  // converts (copy); returns *this when the dtype matches
  Tensor to(Device device) const;
  void copy_(const Tensor& src);  // same shape; converts dtype; any layouts
  void fill_(float value);

  int wrap_dim(int d) const;

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  Shape shape_;
  Shape strides_;
  DType dtype_ = DType::kF32;
};

Shape contiguous_strides(const Shape& shape);
// Broadcast two shapes (numpy rules); throws kInvalidArgument when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// A batched matmul a: [..., M, K] · b: [..., K, N] with its leading dimensions broadcast: both
// operands expanded (stride-0 views, no copy) to the batch shape `lead`; `out` = lead + [M, N].
struct MatmulBroadcast {
  Tensor a, b;
  Shape lead, out;
};
MatmulBroadcast broadcast_for_matmul(const Tensor& a, const Tensor& b);

}  // namespace sam3rt
