#include "core/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <type_traits>

#include "core/allocator.h"
#include "core/device-memory.h"
#include "core/profiler.h"
#include "core/thread-pool.h"

namespace sam3rt {

// ---------------------------------------------------------------------------------------------
// Shape
Shape::Shape(std::initializer_list<int64_t> dims) {
  SAM3RT_CHECK(dims.size() <= kMaxDims, kInvalidArgument, "at most ", kMaxDims, " dimensions are supported");
  for (int64_t d : dims) d_[n_++] = d;
}
Shape::Shape(const std::vector<int64_t>& dims) {
  SAM3RT_CHECK(dims.size() <= kMaxDims, kInvalidArgument, "at most ", kMaxDims, " dimensions are supported");
  for (int64_t d : dims) d_[n_++] = d;
}
void Shape::push_back(int64_t v) {
  SAM3RT_CHECK(n_ < kMaxDims, kInvalidArgument, "at most ", kMaxDims, " dimensions are supported");
  d_[n_++] = v;
}
int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < n_; ++i) n *= d_[i];
  return n;
}
bool Shape::operator==(const Shape& o) const {
  if (n_ != o.n_) return false;
  for (int i = 0; i < n_; ++i)
    if (d_[i] != o.d_[i]) return false;
  return true;
}
std::string Shape::str() const {
  std::ostringstream os;
  os << "[";
  for (int i = 0; i < n_; ++i) os << (i ? ", " : "") << d_[i];
  os << "]";
  return os.str();
}

Shape contiguous_strides(const Shape& shape) {
  Shape s = shape;
  int64_t acc = 1;
  for (int i = shape.size() - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return s;
}

MatmulBroadcast broadcast_for_matmul(const Tensor& a_in, const Tensor& b_in) {
  const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
  Shape lead_a, lead_b;
  for (int i = 0; i + 2 < a_in.dim(); ++i) lead_a.push_back(a_in.size(i));
  for (int i = 0; i + 2 < b_in.dim(); ++i) lead_b.push_back(b_in.size(i));
  MatmulBroadcast r;
  r.lead = broadcast_shapes(lead_a, lead_b);
  Shape sa = r.lead, sb = r.lead;
  r.out = r.lead;
  sa.push_back(m), sa.push_back(k);
  sb.push_back(k), sb.push_back(n);
  r.out.push_back(m), r.out.push_back(n);
  // Prepend size-1 dims so that expand sees equal ranks.
  r.a = a_in;
  r.b = b_in;
  while (r.a.dim() < static_cast<int>(sa.size())) r.a = r.a.unsqueeze(0);
  while (r.b.dim() < static_cast<int>(sb.size())) r.b = r.b.unsqueeze(0);
  r.a = r.a.expand(sa);
  r.b = r.b.expand(sb);
  return r;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  int n = std::max(a.size(), b.size());
  std::vector<int64_t> out(n);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    SAM3RT_CHECK(da == db || da == 1 || db == 1, kInvalidArgument, "shapes ", a.str(), " and ", b.str(),
                 " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return Shape(out);
}

std::string Device::str() const {
  if (type == DeviceType::kCPU) return "cpu";
  return std::string(device_type_name(type)) + ":" + std::to_string(index);
}

// ---------------------------------------------------------------------------------------------
// Storage
Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  data_ = device.is_cpu() ? HostAllocator::instance().allocate(nbytes)
                          : device_memory(device.type).allocate(nbytes, device.index);
}
Storage::Storage(void* data, size_t nbytes, Device device, std::shared_ptr<void> owner)
    : data_(data), nbytes_(nbytes), device_(device), owner_(std::move(owner)) {
  if (!owner_) owner_ = std::shared_ptr<void>(nullptr, [](void*) {});  // borrowed, never freed
}
Storage::~Storage() {
  if (owner_) return;
  if (device_.is_cpu()) HostAllocator::instance().deallocate(data_, nbytes_);
  else device_memory(device_.type).deallocate(data_, nbytes_, device_.index);
}

// ---------------------------------------------------------------------------------------------
// Tensor
Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) SAM3RT_CHECK(d >= 0, kInvalidArgument, "negative dimension in shape ", shape.str());
  Tensor t;
  t.storage_ = std::make_shared<Storage>(std::max<size_t>(shape.numel() * dtype_size(dtype), 1), device);
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device.is_cpu()) std::memset(t.raw_data(), 0, t.nbytes());
  else device_memory(device.type).fill(t, 0.f);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::kF32, device);
  if (device.is_cpu()) std::fill_n(t.data<float>(), t.numel(), value);
  else device_memory(device.type).fill(t, value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
  SAM3RT_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), kInvalidArgument, "from_vector: ",
               values.size(), " values for shape ", shape.str());
  Tensor t = empty(shape, DType::kF32);
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

Tensor Tensor::from_vector_i32(const Shape& shape, const std::vector<int32_t>& values) {
  SAM3RT_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), kInvalidArgument, "from_vector_i32: ",
               values.size(), " values for shape ", shape.str());
  Tensor t = empty(shape, DType::kI32);
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

Tensor Tensor::from_blob(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> owner,
                         Device device) {
  Tensor t;
  t.storage_ = std::make_shared<Storage>(data, shape.numel() * dtype_size(dtype), device, std::move(owner));
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

int Tensor::wrap_dim(int d) const {
  int n = dim();
  int w = d < 0 ? d + n : d;
  SAM3RT_CHECK(w >= 0 && w < n, kInvalidArgument, "dimension ", d, " out of range for a ", n, "-d tensor");
  return w;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

std::string Tensor::str() const {
  if (!defined()) return "undefined";
  return std::string(dtype_name(dtype_)) + shape_.str() + " " + device().str();
}

void* Tensor::raw_data() const {
  SAM3RT_ASSERT(defined(), "access to an undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

namespace {
float load_as_float(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kF32: return static_cast<const float*>(base)[i];
    case DType::kF16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kBF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kI32: return static_cast<float>(static_cast<const int32_t*>(base)[i]);
    case DType::kI64: return static_cast<float>(static_cast<const int64_t*>(base)[i]);
    case DType::kU8: return static_cast<float>(static_cast<const uint8_t*>(base)[i]);
  }
  return 0.f;
}

// Calls fn(src_elem_offset, dst_linear_index) for every element of `t` in row-major order.
template <class Fn>
void for_each_offset(const Shape& shape, const Shape& strides, Fn&& fn) {
  int n = shape.size();
  int64_t total = shape.numel();
  if (total == 0) return;
  if (n == 0) {
    fn(0, 0);
    return;
  }
  int64_t idx[kMaxDims] = {};
  int64_t off = 0;
  int64_t inner = shape[n - 1], inner_stride = strides[n - 1];
  for (int64_t lin = 0; lin < total; lin += inner) {
    for (int64_t j = 0; j < inner; ++j) fn(off + j * inner_stride, lin + j);
    for (int d = n - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}
}  // namespace

float Tensor::item_at(const std::vector<int64_t>& index) const {
  SAM3RT_CHECK(static_cast<int>(index.size()) == dim(), kInvalidArgument, "item_at: ", index.size(),
               " indices for a ", dim(), "-d tensor");
  if (!device().is_cpu()) return to(Device::cpu()).item_at(index);  // a synchronising read
  int64_t off = 0;
  for (int i = 0; i < dim(); ++i) {
    SAM3RT_CHECK(index[i] >= 0 && index[i] < shape_[i], kInvalidArgument, "index out of range");
    off += index[i] * strides_[i];
  }
  return load_as_float(raw_data(), dtype_, off);
}

float Tensor::item() const {
  SAM3RT_CHECK(numel() == 1, kInvalidArgument, "item() on a tensor with ", numel(), " elements");
  if (!device().is_cpu()) return to(Device::cpu()).item();
  return load_as_float(raw_data(), dtype_, 0);
}

std::vector<float> Tensor::to_vector() const {
  if (!device().is_cpu()) return to(Device::cpu()).to_vector();
  std::vector<float> out(numel());
  const void* base = raw_data();
  for_each_offset(shape_, strides_, [&](int64_t src, int64_t dst) { out[dst] = load_as_float(base, dtype_, src); });
  return out;
}

// --- views -----------------------------------------------------------------------------------
namespace {
// new_shape with its -1 (at most one) resolved; throws kInvalidArgument when it cannot hold `numel`
// elements (a caller error, unlike a layout that merely needs a copy).
Shape resolve_shape(const Shape& new_shape_in, const Shape& old_shape) {
  Shape new_shape = new_shape_in;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < new_shape.size(); ++i) {
    if (new_shape[i] == -1) {
      SAM3RT_CHECK(infer < 0, kInvalidArgument, "view: only one dimension can be -1");
      infer = i;
    } else {
      known *= new_shape[i];
    }
  }
  const int64_t numel = old_shape.numel();
  if (infer >= 0) {
    SAM3RT_CHECK(known > 0 && numel % known == 0, kInvalidArgument, "view: cannot infer -1 in ",
                 new_shape_in.str(), " for ", old_shape.str());
    new_shape[infer] = numel / known;
  }
  SAM3RT_CHECK(new_shape.numel() == numel, kInvalidArgument, "view: shape ", new_shape.str(),
               " does not match ", old_shape.str());
  return new_shape;
}

// Strides that give `new_shape` over the memory of (shape, strides) without a copy, if the layout
// allows it (PyTorch's computeStride: walk chunks of old dims that are contiguous among themselves).
bool view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape, Shape* new_strides_out) {
  const int dims = shape.size();
  Shape new_strides = new_shape;
  int64_t view_d = new_shape.size() - 1;
  int64_t chunk_base_stride = dims ? strides[dims - 1] : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = dims - 1; tensor_d >= 0; tensor_d--) {
    tensor_numel *= shape[tensor_d];
    if (tensor_d == 0 ||
        (shape[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  while (view_d >= 0) new_strides[view_d--] = 1;  // only size-1 dims remain (or 0-d source)
  *new_strides_out = new_strides;
  return true;
}
}  // namespace

std::optional<Tensor> Tensor::try_view(const Shape& shape) const {
  const Shape new_shape = resolve_shape(shape, shape_);
  Shape new_strides;
  if (!view_strides(shape_, strides_, new_shape, &new_strides)) return std::nullopt;
  Tensor t = *this;
  t.shape_ = new_shape;
  t.strides_ = new_strides;
  return t;
}

Tensor Tensor::view(const Shape& shape) const {
  std::optional<Tensor> t = try_view(shape);
  SAM3RT_CHECK(t.has_value(), kInvalidArgument, "view: layout of ", str(), " is not compatible with shape ",
               shape.str(), "; use reshape()");
  return *std::move(t);
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (std::optional<Tensor> t = try_view(shape)) return *std::move(t);
  return contiguous().view(shape);  // a contiguous tensor can always be viewed
}

Tensor Tensor::permute(const std::vector<int>& dims) const {
  SAM3RT_CHECK(static_cast<int>(dims.size()) == dim(), kInvalidArgument, "permute: ", dims.size(),
               " dims for a ", dim(), "-d tensor");
  Tensor t = *this;
  bool seen[kMaxDims] = {};
  for (int i = 0; i < dim(); ++i) {
    int d = wrap_dim(dims[i]);
    SAM3RT_CHECK(!seen[d], kInvalidArgument, "permute: repeated dimension ", d);
    seen[d] = true;
    t.shape_[i] = shape_[d];
    t.strides_[i] = strides_[d];
  }
  return t;
}

Tensor Tensor::transpose(int a, int b) const {
  a = wrap_dim(a);
  b = wrap_dim(b);
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::slice(int d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d);
  SAM3RT_CHECK(step > 0, kInvalidArgument, "slice: step must be positive");
  int64_t n = shape_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Tensor t = *this;
  t.offset_ += start * strides_[d];
  t.shape_[d] = (end - start + step - 1) / step;
  t.strides_[d] = strides_[d] * step;
  return t;
}

Tensor Tensor::as_strided(const Shape& shape, const Shape& strides, int64_t storage_offset) const {
  SAM3RT_CHECK(storage_ != nullptr, kInvalidArgument, "as_strided on an undefined tensor");
  SAM3RT_CHECK(shape.size() == strides.size(), kInvalidArgument, "as_strided: shape ", shape.str(), " and strides ",
               strides.str(), " differ in length");
  SAM3RT_CHECK(storage_offset >= 0, kInvalidArgument, "as_strided: negative storage offset ", storage_offset);
  const int64_t capacity = static_cast<int64_t>(storage_->nbytes() / dtype_size(dtype_));
  int64_t last = storage_offset;  // highest element index touched
  bool empty = false;
  for (int i = 0; i < shape.size(); ++i) {
    SAM3RT_CHECK(shape[i] >= 0 && strides[i] >= 0, kInvalidArgument, "as_strided: negative size or stride in ",
                 shape.str(), " / ", strides.str());
    if (shape[i] == 0) empty = true;
    int64_t span;
    SAM3RT_CHECK(!__builtin_mul_overflow(shape[i] > 0 ? shape[i] - 1 : 0, strides[i], &span) &&
                     !__builtin_add_overflow(last, span, &last),
                 kInvalidArgument, "as_strided: shape ", shape.str(), " with strides ", strides.str(), " overflows");
  }
  SAM3RT_CHECK(empty || last < capacity, kInvalidArgument, "as_strided: shape ", shape.str(), " strides ",
               strides.str(), " offset ", storage_offset, " reaches element ", last, " of a storage of ", capacity);
  Tensor t = *this;
  t.offset_ = storage_offset;
  t.shape_ = shape;
  t.strides_ = strides;
  return t;
}

Tensor Tensor::select(int d, int64_t index) const {
  d = wrap_dim(d);
  if (index < 0) index += shape_[d];
  SAM3RT_CHECK(index >= 0 && index < shape_[d], kInvalidArgument, "select: index ", index,
               " out of range for dimension of size ", shape_[d]);
  Tensor t;
  t.storage_ = storage_;
  t.dtype_ = dtype_;
  t.offset_ = offset_ + index * strides_[d];
  for (int i = 0; i < dim(); ++i) {
    if (i == d) continue;
    t.shape_.push_back(shape_[i]);
    t.strides_.push_back(strides_[i]);
  }
  return t;
}

Tensor Tensor::unsqueeze(int d) const {
  int n = dim();
  if (d < 0) d += n + 1;
  SAM3RT_CHECK(d >= 0 && d <= n, kInvalidArgument, "unsqueeze: dimension out of range");
  Tensor t;
  t.storage_ = storage_;
  t.dtype_ = dtype_;
  t.offset_ = offset_;
  for (int i = 0; i <= n; ++i) {
    if (i == d) {
      t.shape_.push_back(1);
      t.strides_.push_back(i < n ? strides_[i] * shape_[i] : 1);
    }
    if (i < n) {
      t.shape_.push_back(shape_[i]);
      t.strides_.push_back(strides_[i]);
    }
  }
  return t;
}

Tensor Tensor::squeeze(int d) const {
  d = wrap_dim(d);
  SAM3RT_CHECK(shape_[d] == 1, kInvalidArgument, "squeeze: dimension ", d, " has size ", shape_[d]);
  return select(d, 0);
}

Tensor Tensor::expand(const Shape& shape) const {
  SAM3RT_CHECK(shape.size() >= dim(), kInvalidArgument, "expand: ", shape.str(), " has fewer dims than ",
               shape_.str());
  Tensor t = *this;
  t.shape_ = shape;
  int lead = shape.size() - dim();
  for (int i = 0; i < shape.size(); ++i) {
    int src = i - lead;
    if (src < 0) {
      t.strides_[i] = 0;
      continue;
    }
    int64_t want = shape[i] == -1 ? shape_[src] : shape[i];
    t.shape_[i] = want;
    if (shape_[src] == want) {
      t.strides_[i] = strides_[src];
    } else {
      SAM3RT_CHECK(shape_[src] == 1, kInvalidArgument, "expand: cannot expand ", shape_.str(), " to ", shape.str());
      t.strides_[i] = 0;
    }
  }
  return t;
}

Tensor Tensor::flatten(int start_dim, int end_dim) const {
  if (dim() == 0) return reshape(Shape{1});
  start_dim = wrap_dim(start_dim);
  end_dim = wrap_dim(end_dim);
  std::vector<int64_t> s;
  for (int i = 0; i < start_dim; ++i) s.push_back(shape_[i]);
  int64_t m = 1;
  for (int i = start_dim; i <= end_dim; ++i) m *= shape_[i];
  s.push_back(m);
  for (int i = end_dim + 1; i < dim(); ++i) s.push_back(shape_[i]);
  return reshape(Shape(s));
}

// --- copies ----------------------------------------------------------------------------------
namespace {
// Same-type copy of a strided tensor into a contiguous buffer: rows of the last dimension,
// spread over the thread pool (layout changes of activations are tens of MB at released size).
template <class T>
void copy_rows_parallel(const T* s, const Shape& shape, const Shape& strides, T* d) {
  const int nd = shape.size();
  const int64_t inner = shape[nd - 1], inner_stride = strides[nd - 1];
  const int64_t rows = shape.numel() / std::max<int64_t>(inner, 1);
  if (inner == 0 || rows == 0) return;
  parallel_for(rows, std::max<int64_t>(1, 32768 / inner), [&](int64_t r0, int64_t r1) {
    int64_t idx[kMaxDims] = {};
    int64_t off = 0;
    int64_t below = 1;  // rows per step of dimension `dim`
    for (int dim = nd - 2; dim >= 0; --dim) {  // multi-index of row r0
      idx[dim] = (r0 / below) % shape[dim];
      off += idx[dim] * strides[dim];
      below *= shape[dim];
    }
    for (int64_t r = r0; r < r1; ++r) {
      T* dr = d + r * inner;
      const T* sr = s + off;
      if (inner_stride == 1) {
        std::memcpy(dr, sr, static_cast<size_t>(inner) * sizeof(T));
      } else {
        for (int64_t j = 0; j < inner; ++j) dr[j] = sr[j * inner_stride];
      }
      for (int dim = nd - 2; dim >= 0; --dim) {
        if (++idx[dim] < shape[dim]) {
          off += strides[dim];
          break;
        }
        off -= (shape[dim] - 1) * strides[dim];
        idx[dim] = 0;
      }
    }
  });
}

template <class Dst, class Src>
void copy_typed(const Tensor& src, Tensor& dst) {
  // dst is contiguous or arbitrary; walk both with their own strides.
  const Src* s = static_cast<const Src*>(src.raw_data());
  Dst* d = static_cast<Dst*>(dst.raw_data());
  if constexpr (std::is_same_v<Src, Dst>) {
    if (dst.is_contiguous() && src.dim() > 0) {
      copy_rows_parallel(s, src.shape(), src.strides(), d);
      return;
    }
  }
  if (dst.is_contiguous()) {
    for_each_offset(src.shape(), src.strides(), [&](int64_t so, int64_t lin) { d[lin] = static_cast<Dst>(s[so]); });
    return;
  }
  std::vector<int64_t> dst_offsets(dst.numel());
  for_each_offset(dst.shape(), dst.strides(), [&](int64_t o, int64_t lin) { dst_offsets[lin] = o; });
  for_each_offset(src.shape(), src.strides(), [&](int64_t so, int64_t lin) { d[dst_offsets[lin]] = static_cast<Dst>(s[so]); });
}

// dst ← src between two integer dtypes (i32, i64, u8), exactly.
template <class Dst>
void copy_integers_to(const Tensor& src, Tensor& dst) {
  switch (src.dtype()) {
    case DType::kI32:
      return copy_typed<Dst, int32_t>(src, dst);
    case DType::kI64:
      return copy_typed<Dst, int64_t>(src, dst);
    case DType::kU8:
      return copy_typed<Dst, uint8_t>(src, dst);
    default:
      SAM3RT_ASSERT(false, "copy_integers: ", dtype_name(src.dtype()), " is not an integer dtype");
  }
}
void copy_integers(const Tensor& src, Tensor& dst) {
  switch (dst.dtype()) {
    case DType::kI32:
      return copy_integers_to<int32_t>(src, dst);
    case DType::kI64:
      return copy_integers_to<int64_t>(src, dst);
    case DType::kU8:
      return copy_integers_to<uint8_t>(src, dst);
    default:
      SAM3RT_ASSERT(false, "copy_integers: ", dtype_name(dst.dtype()), " is not an integer dtype");
  }
}
}  // namespace

namespace {
// dst ← src where at least one side is on a device: dtype conversions and layout changes happen
// on the side that has the data (host work through the CPU path, device work through the
// backend's strided copy), then contiguous bytes cross over.
void copy_across_devices(Tensor& dst, const Tensor& src) {
  const Device dd = dst.device(), sd = src.device();
  if (dd == sd) return device_memory(dd.type).copy_strided(dst, src);
  if (!dd.is_cpu() && !sd.is_cpu()) {  // between two devices: through the host
    dst.copy_(src.to(Device::cpu()));
    return;
  }
  if (sd.is_cpu()) {  // host → device
    const Tensor host = src.to(dst.dtype()).contiguous();
    if (dst.is_contiguous()) {
      device_memory(dd.type).copy_bytes(dst.raw_data(), dd, host.raw_data(), sd, host.nbytes());
    } else {
      Tensor staged = Tensor::empty(dst.shape(), dst.dtype(), dd);
      device_memory(dd.type).copy_bytes(staged.raw_data(), dd, host.raw_data(), sd, host.nbytes());
      device_memory(dd.type).copy_strided(dst, staged);
    }
    return;
  }
  // device → host: a contiguous copy in the source dtype crosses, the host converts.
  const Tensor dev = src.contiguous();
  Tensor host = dst.is_contiguous() && dst.dtype() == src.dtype() ? dst : Tensor::empty(src.shape(), src.dtype());
  device_memory(sd.type).copy_bytes(host.raw_data(), Device::cpu(), dev.raw_data(), sd, dev.nbytes());
  if (host.raw_data() != dst.raw_data()) dst.copy_(host);
}
}  // namespace

void Tensor::copy_(const Tensor& src) {
  const OpScope profile_scope("copy (layout/dtype)");
  SAM3RT_CHECK(src.shape() == shape_, kInvalidArgument, "copy_: shape ", src.shape().str(), " into ", shape_.str());
  if (numel() == 0) return;
  if (!device().is_cpu() || !src.device().is_cpu()) return copy_across_devices(*this, src);
  if (src.dtype() == dtype_ && is_contiguous() && src.is_contiguous()) {
    std::memcpy(raw_data(), src.raw_data(), nbytes());
    return;
  }
  if (src.dtype() == dtype_) {
    switch (dtype_size(dtype_)) {
      case 1: copy_typed<uint8_t, uint8_t>(src, *this); return;
      case 2: copy_typed<uint16_t, uint16_t>(src, *this); return;
      case 4: copy_typed<uint32_t, uint32_t>(src, *this); return;
      case 8: copy_typed<uint64_t, uint64_t>(src, *this); return;
    }
  }
  // Between integer dtypes: exact (f32 holds integers exactly only up to 2^24). Narrowing wraps as
  // a C++ conversion does (as torch's .to(int32)).
  if (!dtype_is_float(src.dtype()) && !dtype_is_float(dtype_)) return copy_integers(src, *this);
  // Other conversions go through f32.
  Tensor src_f32 = src;
  if (src.dtype() != DType::kF32) {
    src_f32 = Tensor::empty(src.shape(), DType::kF32);
    float* o = src_f32.data<float>();
    const void* base = src.raw_data();
    DType dt = src.dtype();
    // Contiguous f16/bf16 (weights converted at load) take the bulk converters (NEON on Arm).
    if (src.is_contiguous() && (dt == DType::kF16 || dt == DType::kBF16)) {
      const auto* h = static_cast<const uint16_t*>(base);
      if (dt == DType::kF16) convert_f16_to_f32(h, o, static_cast<size_t>(src.numel()));
      else convert_bf16_to_f32(h, o, static_cast<size_t>(src.numel()));
    } else {
      for_each_offset(src.shape(), src.strides(), [&](int64_t so, int64_t lin) { o[lin] = load_as_float(base, dt, so); });
    }
  }
  Tensor dst_c = is_contiguous() ? *this : Tensor::empty(shape_, dtype_);
  const float* s = src_f32.is_contiguous() ? src_f32.data<float>() : nullptr;
  Tensor tmp;
  if (!s) {
    tmp = src_f32.contiguous();
    s = tmp.data<float>();
  }
  size_t n = numel();
  switch (dtype_) {
    case DType::kF32: std::memcpy(dst_c.raw_data(), s, n * 4); break;
    case DType::kF16: convert_f32_to_f16(s, static_cast<uint16_t*>(dst_c.raw_data()), n); break;
    case DType::kBF16: convert_f32_to_bf16(s, static_cast<uint16_t*>(dst_c.raw_data()), n); break;
    case DType::kI32: {
      auto* o = static_cast<int32_t*>(dst_c.raw_data());
      for (size_t i = 0; i < n; ++i) o[i] = static_cast<int32_t>(s[i]);
      break;
    }
    case DType::kI64: {
      auto* o = static_cast<int64_t*>(dst_c.raw_data());
      for (size_t i = 0; i < n; ++i) o[i] = static_cast<int64_t>(s[i]);
      break;
    }
    case DType::kU8: {
      auto* o = static_cast<uint8_t*>(dst_c.raw_data());
      for (size_t i = 0; i < n; ++i) o[i] = static_cast<uint8_t>(s[i]);
      break;
    }
  }
  if (!is_contiguous()) copy_(dst_c);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = Tensor::empty(shape_, dtype_, device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor t = Tensor::empty(shape_, dtype, device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor t = Tensor::empty(shape_, dtype_, device);
  t.copy_(*this);
  return t;
}

void Tensor::fill_(float value) {
  if (!device().is_cpu() && is_contiguous()) return device_memory(device().type).fill(*this, value);
  Tensor src = Tensor::full(shape_, value, device());
  copy_(src);
}

}  // namespace sam3rt
