#include "backend/cuda/cuda-runtime.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread-pool.h"

namespace sam3rt::cuda {

namespace {

// Host → device copies from pageable memory (a memory-mapped model file) run at a few GB/s; large
// ones go through two pinned buffers instead, filled by the thread pool while the other is in
// flight (the weight upload at load is 3.4 GB).
constexpr size_t kStagingBytes = size_t(32) << 20;
constexpr size_t kStagedCopyMin = size_t(4) << 20;

struct DeviceState {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  void* staging[2] = {nullptr, nullptr};  // pinned, allocated on the first large upload
  cudaEvent_t staging_free[2] = {nullptr, nullptr};
  // Caching allocator: freed blocks are kept by exact size (SAM 3's shapes repeat per image).
  std::multimap<size_t, void*> cached;
  size_t cached_bytes = 0;
};

// Never destroyed: tensors held by static objects are freed during exit, after function-local
// statics would be gone; the driver reclaims device memory with the process.
std::mutex& g_mutex = *new std::mutex;
std::vector<std::unique_ptr<DeviceState>>& states() {
  static auto* s = new std::vector<std::unique_ptr<DeviceState>>;
  return *s;
}

DeviceState& state(int index) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto& s = states();
  if (index < 0) fail(ErrorCode::kInvalidArgument, "cuda:", index, " is not a device");
  if (static_cast<int>(s.size()) <= index) s.resize(index + 1);
  if (!s[index]) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
    SAM3RT_CHECK(index < count, kDeviceUnavailable, "cuda:", index, " is not present (", count,
                 " CUDA device(s) found)");
    auto st = std::make_unique<DeviceState>();
    DeviceGuard guard(index);
    check(cudaStreamCreateWithFlags(&st->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cublasCreate(&st->cublas), "cublasCreate");
    check(cublasSetStream(st->cublas, st->stream), "cublasSetStream");
    // Plain fp32 products: the CPU kernels are the oracle, and the reference is fp32 without TF32.
    check(cublasSetMathMode(st->cublas, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
    s[index] = std::move(st);
  }
  return *s[index];
}

void* allocate(size_t nbytes, int index) {
  DeviceState& st = state(index);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = st.cached.find(nbytes);
    if (it != st.cached.end()) {
      void* p = it->second;
      st.cached.erase(it);
      st.cached_bytes -= nbytes;
      return p;
    }
  }
  DeviceGuard guard(index);
  void* p = nullptr;
  cudaError_t err = cudaMallocAsync(&p, nbytes, st.stream);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    // Give the cache back and try once more.
    std::vector<void*> release;
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      for (auto& [size, ptr] : st.cached) release.push_back(ptr);
      st.cached.clear();
      st.cached_bytes = 0;
    }
    for (void* ptr : release) cudaFreeAsync(ptr, st.stream);
    err = cudaMallocAsync(&p, nbytes, st.stream);
  }
  if (err != cudaSuccess) {
    cudaGetLastError();
    fail(err == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kInternal, "cuda:", index,
         ": cannot allocate ", nbytes, " bytes (", cudaGetErrorString(err), ")");
  }
  return p;
}

void deallocate(void* ptr, size_t nbytes, int index) {
  DeviceState& st = state(index);
  std::lock_guard<std::mutex> lock(g_mutex);
  st.cached.emplace(nbytes, ptr);  // stream-ordered: later work on the stream may reuse it
  st.cached_bytes += nbytes;
}

// False when pinned memory cannot be had (the caller then copies from pageable memory).
bool copy_to_device_staged(DeviceState& st, void* dst, const void* src, size_t nbytes) {
  if (!st.staging[1]) {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (int k = 0; k < 2 && !st.staging[1]; ++k) {
      if (st.staging[k]) continue;
      if (cudaHostAlloc(&st.staging[k], kStagingBytes, cudaHostAllocDefault) != cudaSuccess ||
          cudaEventCreateWithFlags(&st.staging_free[k], cudaEventDisableTiming) != cudaSuccess) {
        cudaGetLastError();
        if (st.staging[k]) cudaFreeHost(st.staging[k]);
        st.staging[k] = nullptr;
        return false;
      }
    }
  }
  const char* from = static_cast<const char*>(src);
  char* to = static_cast<char*>(dst);
  int k = 0;
  for (size_t off = 0; off < nbytes; off += kStagingBytes, k ^= 1) {
    const size_t chunk = std::min(kStagingBytes, nbytes - off);
    check(cudaEventSynchronize(st.staging_free[k]), "cudaEventSynchronize");  // its last copy is done
    char* buf = static_cast<char*>(st.staging[k]);
    constexpr int64_t kPiece = int64_t(1) << 20;
    parallel_for((static_cast<int64_t>(chunk) + kPiece - 1) / kPiece, 1, [&](int64_t p0, int64_t p1) {
      const size_t b = static_cast<size_t>(p0 * kPiece), e = std::min(chunk, static_cast<size_t>(p1 * kPiece));
      std::memcpy(buf + b, from + off + b, e - b);
    });
    check(cudaMemcpyAsync(to + off, buf, chunk, cudaMemcpyHostToDevice, st.stream), "cudaMemcpyAsync");
    check(cudaEventRecord(st.staging_free[k], st.stream), "cudaEventRecord");
  }
  // The source has been read in full: the caller may reuse it without waiting for the device.
  return true;
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  const int index = dst_device.type == DeviceType::kCUDA ? dst_device.index : src_device.index;
  DeviceState& st = state(index);
  DeviceGuard guard(index);
  cudaMemcpyKind kind = cudaMemcpyDeviceToDevice;
  if (dst_device.is_cpu()) kind = cudaMemcpyDeviceToHost;
  else if (src_device.is_cpu()) kind = cudaMemcpyHostToDevice;
  if (kind == cudaMemcpyHostToDevice && nbytes >= kStagedCopyMin && copy_to_device_staged(st, dst, src, nbytes))
    return;
  check(cudaMemcpyAsync(dst, src, nbytes, kind, st.stream), "cudaMemcpyAsync");
  // The host may reuse or read its buffer as soon as we return.
  if (kind != cudaMemcpyDeviceToDevice) check(cudaStreamSynchronize(st.stream), "cudaStreamSynchronize");
}

void copy_strided_hook(const Tensor& dst, const Tensor& src) { strided_copy(dst, src); }

void synchronize_all() {
  std::vector<cudaStream_t> streams;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (auto& st : states())
      if (st) streams.push_back(st->stream);
  }
  for (cudaStream_t s : streams) check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}
void fill_hook(const Tensor& dst, float value) { fill(dst, value); }

}  // namespace

cudaStream_t stream(int device_index) { return state(device_index).stream; }
cublasHandle_t cublas(int device_index) { return state(device_index).cublas; }

void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky-free error state
  fail(err == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kInternal, "CUDA: ", what, " failed: ",
       cudaGetErrorString(err));
}

void check(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail(status == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::kOutOfMemory : ErrorCode::kInternal, "cuBLAS: ", what,
       " failed: ", cublasGetStatusString(status));
}

void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) fail(ErrorCode::kInternal, "CUDA kernel ", kernel, " failed to launch: ", cudaGetErrorString(err));
}

DeviceGuard::DeviceGuard(int index) {
  cudaGetDevice(&previous_);
  if (previous_ != index) check(cudaSetDevice(index), "cudaSetDevice");
}
DeviceGuard::~DeviceGuard() {
  int current = 0;
  cudaGetDevice(&current);
  if (current != previous_) cudaSetDevice(previous_);
}

void synchronize(int device_index) {
  check(cudaStreamSynchronize(stream(device_index)), "cudaStreamSynchronize");
}

int device_index(const Tensor& t) {
  SAM3RT_CHECK(t.device().type == DeviceType::kCUDA, kInvalidArgument, "expected a CUDA tensor, got one on ",
               t.device().str());
  return t.device().index;
}

DeviceMemory memory() {
  DeviceMemory m;
  m.allocate = allocate;
  m.deallocate = deallocate;
  m.copy_bytes = copy_bytes;
  m.copy_strided = copy_strided_hook;
  m.fill = fill_hook;
  m.synchronize_all = synchronize_all;
  return m;
}

}  // namespace sam3rt::cuda
