// ref: pytorch torch/serialization.py (_save / _load: zip layout, persistent id
// ('storage', storage_type, key, location, numel)) and torch/_utils.py (_rebuild_tensor_v2,
// _rebuild_parameter).
#include "io/torch-checkpoint.h"

#include <cstring>

#include "core/error.h"
#include "core/log.h"
#include "core/safe-text.h"
#include "io/zip-archive.h"

namespace sam3rt {

namespace {

struct StorageType {
  const char* name;
  DType dtype;
  bool complex;
};

constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", DType::kF32, false},       {"torch.HalfStorage", DType::kF16, false},
    {"torch.BFloat16Storage", DType::kBF16, false},   {"torch.IntStorage", DType::kI32, false},
    {"torch.LongStorage", DType::kI64, false},        {"torch.ByteStorage", DType::kU8, false},
    {"torch.BoolStorage", DType::kU8, false},         {"torch.ComplexFloatStorage", DType::kF32, true},
};

// A storage resolved from a persistent id: a flat tensor over the zip entry's bytes.
struct StoragePayload {
  Tensor flat;       // 1-D, dtype of the storage (f32 pairs for complex)
  bool complex = false;
};

int64_t as_int(const PyRef& v, const std::string& where, const char* what) {
  SAM3RT_CHECK(v->kind == PyValue::Kind::kInt, kFormat, where, ": ", what, " is a ", v->kind_name(),
               ", expected an int; the checkpoint is corrupt");
  return v->i;
}

Shape as_shape(const PyRef& v, const std::string& where, const char* what) {
  SAM3RT_CHECK(v->kind == PyValue::Kind::kTuple, kFormat, where, ": tensor ", what, " is a ", v->kind_name(),
               ", expected a tuple; the checkpoint is corrupt");
  SAM3RT_CHECK(v->items.size() <= static_cast<size_t>(kMaxDims), kUnsupported, where, ": a tensor has ",
               v->items.size(), " dimensions; at most ", kMaxDims, " are supported");
  Shape s;
  for (const PyRef& d : v->items) {
    int64_t x = as_int(d, where, what);
    SAM3RT_CHECK(x >= 0, kFormat, where, ": negative tensor ", what, " ", x, "; the checkpoint is corrupt");
    s.push_back(x);
  }
  return s;
}

class CheckpointReader {
 public:
  explicit CheckpointReader(std::shared_ptr<MappedFile> file) : zip_(file), path_(file->path()) {}

  PyRef read() {
    std::string pkl;
    for (const auto& [name, e] : zip_.entries()) {
      if (name == "data.pkl" || (name.size() > 9 && name.compare(name.size() - 9, 9, "/data.pkl") == 0)) {
        pkl = name;
        break;
      }
    }
    SAM3RT_CHECK(!pkl.empty(), kFormat, path_,
                 ": the zip archive has no data.pkl, so it is not a PyTorch checkpoint written by torch.save");
    prefix_ = pkl.substr(0, pkl.size() - 8);
    if (zip_.has(prefix_ + "byteorder")) {
      uint64_t n;
      const uint8_t* b = zip_.data(prefix_ + "byteorder", &n);
      SAM3RT_CHECK(std::string(reinterpret_cast<const char*>(b), n) == "little", kUnsupported, path_,
                   ": the checkpoint was saved on a big-endian machine; re-save it on a little-endian one");
    }
    uint64_t n;
    const uint8_t* data = zip_.data(pkl, &n);
    UnpicklerHooks hooks;
    hooks.persistent_load = [this](const PyRef& pid) { return load_storage(pid); };
    hooks.reduce = [this](const std::string& fn, const PyRef& args) { return reduce(fn, args); };
    return unpickle(data, n, path_, hooks);
  }

 private:
  PyRef load_storage(const PyRef& pid) {
    SAM3RT_CHECK(pid->kind == PyValue::Kind::kTuple && pid->items.size() >= 5 &&
                     pid->items[0]->kind == PyValue::Kind::kString && pid->items[0]->s == "storage",
                 kUnsupported, path_, ": a persistent id that is not a tensor storage; sam3rt reads state dicts");
    const PyRef& type = pid->items[1];
    SAM3RT_CHECK(type->kind == PyValue::Kind::kGlobal, kFormat, path_, ": storage type is a ", type->kind_name());
    const StorageType* st = nullptr;
    for (const StorageType& s : kStorageTypes)
      if (type->s == s.name) st = &s;
    SAM3RT_CHECK(st != nullptr, kUnsupported, path_, ": storage type '", safe_text(type->s),
                 "' is not supported (float32, float16, bfloat16, complex64, int32, int64, uint8, bool); convert the "
                 "checkpoint to float32");
    SAM3RT_CHECK(pid->items[2]->kind == PyValue::Kind::kString, kFormat, path_, ": storage key is a ",
                 pid->items[2]->kind_name());
    const std::string& key = pid->items[2]->s;
    int64_t numel = as_int(pid->items[4], path_, "storage size");
    SAM3RT_CHECK(numel >= 0, kFormat, path_, ": storage '", safe_text(key), "' has negative size ", numel);

    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;

    const std::string entry = prefix_ + "data/" + key;
    uint64_t size;
    const uint8_t* bytes = zip_.data(entry, &size);
    const uint64_t esize = dtype_size(st->dtype) * (st->complex ? 2 : 1);
    SAM3RT_CHECK(static_cast<uint64_t>(numel) <= size / esize, kFormat, path_, ": storage '", safe_text(entry),
                 "' holds ", size,
                 " bytes but ", numel, " elements of ", esize, " bytes are declared; the checkpoint is corrupt");
    const int64_t flat_numel = numel * (st->complex ? 2 : 1);
    auto payload = std::make_shared<StoragePayload>();
    payload->complex = st->complex;
    void* ptr = const_cast<uint8_t*>(bytes);
    if (reinterpret_cast<uintptr_t>(ptr) % dtype_size(st->dtype) == 0) {
      payload->flat = Tensor::from_blob(ptr, {flat_numel}, st->dtype, zip_.file());
    } else {
      // torch.save aligns storages to 64 bytes; older writers did not. Typed loads from a
      // misaligned address are undefined behaviour, so such a storage is copied.
      payload->flat = Tensor::empty({flat_numel}, st->dtype);
      if (flat_numel) std::memcpy(payload->flat.raw_data(), ptr, payload->flat.nbytes());
      log_debug(path_, ": storage '", safe_text(entry), "' is not aligned in the file; copied");
    }
    auto v = PyValue::make(PyValue::Kind::kOpaque);
    v->s = "storage";
    v->payload = payload;
    cache_[key] = v;
    return v;
  }

  PyRef rebuild_tensor(const PyRef& args) {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    SAM3RT_CHECK(args->items.size() >= 4, kFormat, path_, ": _rebuild_tensor_v2 called with ", args->items.size(),
                 " arguments; the checkpoint is corrupt");
    const PyRef& storage = args->items[0];
    SAM3RT_CHECK(storage->kind == PyValue::Kind::kOpaque && storage->s == "storage", kFormat, path_,
                 ": _rebuild_tensor_v2 without a storage; the checkpoint is corrupt");
    auto payload = std::static_pointer_cast<StoragePayload>(storage->payload);
    int64_t offset = as_int(args->items[1], path_, "storage offset");
    Shape shape = as_shape(args->items[2], path_, "size");
    Shape strides = as_shape(args->items[3], path_, "stride");
    SAM3RT_CHECK(shape.size() == strides.size(), kFormat, path_, ": tensor size ", shape.str(), " and stride ",
                 strides.str(), " differ in length; the checkpoint is corrupt");
    SAM3RT_CHECK(offset >= 0, kFormat, path_, ": negative storage offset ", offset, "; the checkpoint is corrupt");
    // Bound every number before any arithmetic on it, so corrupt values cannot overflow.
    const int64_t capacity = payload->flat.numel() / (payload->complex ? 2 : 1);
    int64_t numel = 1;
    for (int i = 0; i < shape.size(); ++i) {
      SAM3RT_CHECK(!__builtin_mul_overflow(numel, shape[i], &numel) && strides[i] <= (int64_t{1} << 48), kFormat,
                   path_, ": tensor size ", shape.str(), " / stride ", strides.str(), " cannot fit its storage of ",
                   capacity, " elements; the checkpoint is corrupt");
    }
    SAM3RT_CHECK(offset <= capacity, kFormat, path_, ": storage offset ", offset, " beyond its storage of ", capacity,
                 " elements; the checkpoint is corrupt");
    if (payload->complex) {
      // complex64 element k is f32 pair (2k, 2k+1): scale strides and offset, add the pair axis.
      SAM3RT_CHECK(shape.size() < kMaxDims, kUnsupported, path_, ": complex tensor with too many dimensions");
      for (int i = 0; i < strides.size(); ++i) strides[i] *= 2;
      shape.push_back(2);
      strides.push_back(1);
      offset *= 2;
    }
    try {
      auto v = PyValue::make(PyValue::Kind::kTensor);
      v->tensor = payload->flat.as_strided(shape, strides, offset);
      return v;
    } catch (const Error& e) {
      fail(ErrorCode::kFormat, path_, ": a tensor lies outside its storage (", e.what(), "); the checkpoint is corrupt");
    }
  }

  PyRef reduce(const std::string& fn, const PyRef& args) {
    if (fn == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args);
    if (fn == "torch._utils._rebuild_parameter" || fn == "torch._utils._rebuild_parameter_with_state") {
      SAM3RT_CHECK(!args->items.empty() && args->items[0]->kind == PyValue::Kind::kTensor, kFormat, path_,
                   ": _rebuild_parameter without a tensor; the checkpoint is corrupt");
      return args->items[0];
    }
    if (fn == "torch._tensor._rebuild_from_type_v2") {
      // (func, type, func_args, state): a tensor subclass; the data is func(*func_args).
      SAM3RT_CHECK(args->items.size() >= 3 && args->items[0]->kind == PyValue::Kind::kGlobal &&
                       args->items[2]->kind == PyValue::Kind::kTuple,
                   kFormat, path_, ": malformed _rebuild_from_type_v2; the checkpoint is corrupt");
      SAM3RT_CHECK(args->items[0]->s != fn, kFormat, path_, ": recursive _rebuild_from_type_v2");
      return reduce(args->items[0]->s, args->items[2]);
    }
    return nullptr;
  }

  ZipArchive zip_;
  std::string path_;
  std::string prefix_;
  std::map<std::string, PyRef> cache_;
};

}  // namespace

PyRef read_torch_checkpoint(const std::string& path) { return read_torch_checkpoint(MappedFile::open(path)); }

PyRef read_torch_checkpoint(std::shared_ptr<MappedFile> file) { return CheckpointReader(std::move(file)).read(); }

std::map<std::string, Tensor> load_torch_state_dict(const std::string& path) {
  return load_torch_state_dict(MappedFile::open(path));
}

std::map<std::string, Tensor> load_torch_state_dict(std::shared_ptr<MappedFile> file) {
  const std::string path = file->path();
  PyRef root = read_torch_checkpoint(std::move(file));
  SAM3RT_CHECK(root->kind == PyValue::Kind::kDict, kFormat, path, ": the checkpoint holds a ", root->kind_name(),
               ", expected a dict of tensors (a state dict)");
  PyRef dict = root;
  for (const auto& [k, v] : root->entries)
    if (k->kind == PyValue::Kind::kString && (k->s == "model" || k->s == "state_dict") &&
        v->kind == PyValue::Kind::kDict) {
      dict = v;
      break;
    }
  std::map<std::string, Tensor> out;
  size_t skipped = 0;
  for (const auto& [k, v] : dict->entries) {
    if (k->kind != PyValue::Kind::kString || v->kind != PyValue::Kind::kTensor) {
      ++skipped;
      continue;
    }
    out[k->s] = v->tensor;
  }
  if (skipped) log_debug(path, ": skipped ", skipped, " non-tensor entries of the state dict");
  SAM3RT_CHECK(!out.empty(), kFormat, path, ": the checkpoint holds no tensors");
  return out;
}

}  // namespace sam3rt
