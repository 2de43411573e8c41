// Helpers shared by the op front-ends: argument checks with "[op]"-prefixed messages, dtype
// conversion to the f32 compute type, and device dispatch through the backend registry.
#pragma once

#include <initializer_list>

#include "backend/backend.h"
#include "core/error.h"
#include "core/profiler.h"
#include "core/tensor.h"

namespace sam3rt::ops::detail {

// The input as f32 (a view is kept when it already is f32; other dtypes are converted).
inline Tensor as_f32(const Tensor& t) { return t.defined() ? t.to(DType::kF32) : t; }

inline void check_defined(const char* op, const char* name, const Tensor& t) {
  SAM3RT_CHECK(t.defined(), kInvalidArgument, "[", op, "] ", name, " is undefined; pass a tensor");
}

inline void check_dim(const char* op, const char* name, const Tensor& t, int dim) {
  check_defined(op, name, t);
  SAM3RT_CHECK(t.dim() == dim, kInvalidArgument, "[", op, "] ", name, " must have ", dim, " dimensions, got ",
               t.str());
}

inline void check_float(const char* op, const char* name, const Tensor& t) {
  SAM3RT_CHECK(dtype_is_float(t.dtype()), kInvalidArgument, "[", op, "] ", name,
               " must be a floating-point tensor (f32/f16/bf16), got ", t.str());
}

// All defined inputs on one device; returns it (the CPU when every input is undefined).
inline Device common_device(const char* op, std::initializer_list<const Tensor*> ts) {
  Device dev = Device::cpu();
  bool first = true;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (first) {
      dev = t->device();
      first = false;
    } else {
      SAM3RT_CHECK(t->device() == dev, kInvalidArgument, "[", op, "] inputs are on different devices (",
                   dev.str(), " and ", t->device().str(), "); move them to one device");
    }
  }
  return dev;
}

[[noreturn]] inline void not_implemented(const char* op, Device dev) {
  fail(ErrorCode::kUnsupported, "[", op, "] not implemented on ", dev.str());
}

// The kernel `field` of `dev`'s backend. Throws kDeviceUnavailable when that backend is not built
// and kUnsupported when it has no kernel for the op.
template <class Fn>
Fn backend_kernel(const char* op, Device dev, Fn KernelTable::*field) {
  const Fn fn = backend(dev.type).kernels.*field;
  if (!fn) not_implemented(op, dev);
  return fn;
}

// 1-D per-channel parameter of length n, or undefined.
inline void check_vector(const char* op, const char* name, const Tensor& t, int64_t n) {
  if (!t.defined()) return;
  SAM3RT_CHECK(t.dim() == 1 && t.size(0) == n, kInvalidArgument, "[", op, "] ", name, " must be [", n, "], got ",
               t.str());
  check_float(op, name, t);
}

}  // namespace sam3rt::ops::detail
