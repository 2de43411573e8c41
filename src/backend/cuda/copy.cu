// Device-side copies for the tensor core: strided copy with dtype conversion, and fill.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

#include "backend/cuda/cuda-common.cuh"

namespace sam3rt::cuda {

namespace {

// Loads and stores through float for the floating types, exactly for the integer ones (as
// Tensor::copy_ on the CPU: f32 → f16/bf16 round to nearest even, float → integer truncates).
template <class T> struct Elem;
template <> struct Elem<float> {
  __device__ static float get(float v) { return v; }
  __device__ static float make(float v) { return v; }
};
template <> struct Elem<__half> {
  __device__ static float get(__half v) { return __half2float(v); }
  __device__ static __half make(float v) { return __float2half_rn(v); }
};
template <> struct Elem<__nv_bfloat16> {
  __device__ static float get(__nv_bfloat16 v) { return __bfloat162float(v); }
  __device__ static __nv_bfloat16 make(float v) { return __float2bfloat16_rn(v); }
};

template <class Dst, class Src>
__device__ inline Dst convert(Src v) {
  constexpr bool src_int = std::is_integral_v<Src>, dst_int = std::is_integral_v<Dst>;
  if constexpr (src_int && dst_int) return static_cast<Dst>(v);
  else if constexpr (src_int) return Elem<Dst>::make(static_cast<float>(v));
  else if constexpr (dst_int) return static_cast<Dst>(Elem<Src>::get(v));
  else return Elem<Dst>::make(Elem<Src>::get(v));
}

// Shape and both stride sets of a copy, with size-1 dimensions dropped and adjacent dimensions
// merged wherever both sides are contiguous across them (a permuted activation usually collapses
// to 2–3 dimensions), so that each element needs few index divisions. (64-bit index math: a
// 32-bit variant measured 2.6× slower on a 5184×1024 transpose, bench_cuda_ops, H200.)
template <class Index>
struct CopyGeometry {
  int dim = 0;
  Index shape[kMaxDims] = {};
  Index dst_stride[kMaxDims] = {};
  Index src_stride[kMaxDims] = {};
};

struct Collapsed {
  int dim = 0;
  int64_t shape[kMaxDims] = {}, dst_stride[kMaxDims] = {}, src_stride[kMaxDims] = {};
};

Collapsed collapse(const Tensor& dst, const Tensor& src) {
  Collapsed c;
  for (int d = 0; d < dst.dim(); ++d) {
    if (dst.size(d) == 1) continue;
    if (c.dim > 0 && c.dst_stride[c.dim - 1] == dst.stride(d) * dst.size(d) &&
        c.src_stride[c.dim - 1] == src.stride(d) * src.size(d)) {
      c.shape[c.dim - 1] *= dst.size(d);  // merge into the outer dimension
      c.dst_stride[c.dim - 1] = dst.stride(d);
      c.src_stride[c.dim - 1] = src.stride(d);
      continue;
    }
    c.shape[c.dim] = dst.size(d);
    c.dst_stride[c.dim] = dst.stride(d);
    c.src_stride[c.dim] = src.stride(d);
    ++c.dim;
  }
  return c;
}

template <class Dst, class Src, class Index>
__global__ void strided_copy_kernel(Dst* dst, const Src* src, CopyGeometry<Index> g, Index n) {
  for (Index i = blockIdx.x * Index(blockDim.x) + threadIdx.x; i < n; i += Index(gridDim.x) * blockDim.x) {
    Index lin = i, d_off = 0, s_off = 0;
    for (int d = g.dim - 1; d >= 0; --d) {
      const Index q = lin / g.shape[d], r = lin - q * g.shape[d];
      d_off += r * g.dst_stride[d];
      s_off += r * g.src_stride[d];
      lin = q;
    }
    dst[d_off] = convert<Dst, Src>(src[s_off]);
  }
}

template <class Dst, class Src, class Index>
void launch_copy_as(const Collapsed& c, Dst* dst, const Src* src, int64_t n, cudaStream_t s) {
  CopyGeometry<Index> g;
  g.dim = c.dim;
  for (int d = 0; d < c.dim; ++d) {
    g.shape[d] = static_cast<Index>(c.shape[d]);
    g.dst_stride[d] = static_cast<Index>(c.dst_stride[d]);
    g.src_stride[d] = static_cast<Index>(c.src_stride[d]);
  }
  strided_copy_kernel<Dst, Src, Index><<<blocks_for(n), kThreads, 0, s>>>(dst, src, g, static_cast<Index>(n));
  check_launch("strided_copy");
}

template <class Dst, class Src>
void launch_copy(const Tensor& dst, const Tensor& src, cudaStream_t s) {
  const int64_t n = dst.numel();
  const Collapsed c = collapse(dst, src);
  Dst* d = static_cast<Dst*>(dst.raw_data());
  const Src* sp = static_cast<const Src*>(src.raw_data());
  launch_copy_as<Dst, Src, int64_t>(c, d, sp, n, s);
}

template <class Dst>
void copy_from(const Tensor& dst, const Tensor& src, cudaStream_t s) {
  switch (src.dtype()) {
    case DType::kF32: return launch_copy<Dst, float>(dst, src, s);
    case DType::kF16: return launch_copy<Dst, __half>(dst, src, s);
    case DType::kBF16: return launch_copy<Dst, __nv_bfloat16>(dst, src, s);
    case DType::kI32: return launch_copy<Dst, int32_t>(dst, src, s);
    case DType::kI64: return launch_copy<Dst, int64_t>(dst, src, s);
    case DType::kU8: return launch_copy<Dst, uint8_t>(dst, src, s);
  }
  fail(ErrorCode::kUnsupported, "strided_copy: unsupported source dtype");
}

template <class T>
__global__ void fill_converted_kernel(T* dst, float value, int64_t n) {
  const T v = convert<T, float>(value);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = v;
}

template <class T>
void launch_fill(const Tensor& dst, float value, cudaStream_t s) {
  const int64_t n = dst.numel();
  fill_converted_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<T*>(dst.raw_data()), value, n);
  check_launch("fill");
}

}  // namespace

void strided_copy(const Tensor& dst, const Tensor& src) {
  SAM3RT_CHECK(dst.shape() == src.shape(), kInvalidArgument, "strided_copy: shape ", src.shape().str(), " into ",
               dst.shape().str());
  SAM3RT_CHECK(dst.device() == src.device(), kInvalidArgument, "strided_copy: ", src.device().str(), " → ",
               dst.device().str(), " is not one device");
  if (dst.numel() == 0) return;
  const int index = device_index(dst);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    check(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), dst.nbytes(), cudaMemcpyDeviceToDevice, s), "cudaMemcpyAsync");
    return;
  }
  switch (dst.dtype()) {
    case DType::kF32: return copy_from<float>(dst, src, s);
    case DType::kF16: return copy_from<__half>(dst, src, s);
    case DType::kBF16: return copy_from<__nv_bfloat16>(dst, src, s);
    case DType::kI32: return copy_from<int32_t>(dst, src, s);
    case DType::kI64: return copy_from<int64_t>(dst, src, s);
    case DType::kU8: return copy_from<uint8_t>(dst, src, s);
  }
  fail(ErrorCode::kUnsupported, "strided_copy: unsupported destination dtype");
}

void fill(const Tensor& dst, float value) {
  if (dst.numel() == 0) return;
  SAM3RT_CHECK(dst.is_contiguous(), kInvalidArgument, "fill: the tensor must be contiguous");
  const int index = device_index(dst);
  DeviceGuard guard(index);
  const cudaStream_t s = stream(index);
  if (value == 0.f) {
    check(cudaMemsetAsync(dst.raw_data(), 0, dst.nbytes(), s), "cudaMemsetAsync");
    return;
  }
  switch (dst.dtype()) {
    case DType::kF32: return launch_fill<float>(dst, value, s);
    case DType::kF16: return launch_fill<__half>(dst, value, s);
    case DType::kBF16: return launch_fill<__nv_bfloat16>(dst, value, s);
    case DType::kI32: return launch_fill<int32_t>(dst, value, s);
    case DType::kI64: return launch_fill<int64_t>(dst, value, s);
    case DType::kU8: return launch_fill<uint8_t>(dst, value, s);
  }
}

}  // namespace sam3rt::cuda
