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

template <class Dst, class Src>
__global__ void strided_copy_kernel(Dst* dst, StridedView dv, const Src* src, StridedView sv, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[offset_of(dv, i)] = convert<Dst, Src>(src[offset_of(sv, i)]);
}

template <class Dst, class Src>
void launch_copy(const Tensor& dst, const Tensor& src, cudaStream_t s) {
  const int64_t n = dst.numel();
  strided_copy_kernel<Dst, Src><<<blocks_for(n), kThreads, 0, s>>>(
      static_cast<Dst*>(dst.raw_data()), strided_view(dst), static_cast<const Src*>(src.raw_data()), strided_view(src), n);
  check_launch("strided_copy");
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
