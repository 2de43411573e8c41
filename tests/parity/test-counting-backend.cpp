// The backend table (backend/backend.h) is the whole interface between the model and a device:
// a fake "counting" backend, registered here in one call, keeps its tensors in host memory and
// forwards every kernel to the CPU backend's table while counting the calls. The tiny model runs
// on it unchanged (no edit in src/ops, src/model or tools) and matches the float32 reference
// tensor by tensor, with the bars of the CPU (test-every-fixture-tensor.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "backend/backend.h"
#include "common/sam3-fixtures.h"

namespace sam3rt::test {
namespace {

constexpr DeviceType kCounting = DeviceType::kExternal0;
const Device kCountingDevice{kCounting, 0};

std::atomic<int64_t> g_bytes_allocated{0};

// A CPU view of a counting tensor (its storage is host memory): no copy.
Tensor host_view(const Tensor& t) {
  if (!t.defined()) return t;
  const std::shared_ptr<Storage>& st = t.storage();
  const auto elems = static_cast<int64_t>(st->nbytes() / dtype_size(t.dtype()));
  return Tensor::from_blob(st->data(), Shape{elems}, t.dtype(), st)
      .as_strided(t.shape(), t.strides(), t.offset());
}
std::vector<Tensor> host_view(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(host_view(t));
  return out;
}
template <class T>
T host_view(T v) {  // scalars and op enums pass through
  return v;
}

// A CPU kernel's result handed back as a counting tensor sharing its storage.
Tensor on_counting(const Tensor& t) {
  const Tensor c = t.contiguous();
  return Tensor::from_blob(c.raw_data(), c.shape(), c.dtype(), c.storage(), kCountingDevice);
}

// One forwarding kernel per table entry: count, run the CPU backend's kernel on host views.
template <auto Field>
struct Forward;
template <class R, class... A, R (*KernelTable::*Field)(A...)>
struct Forward<Field> {
  static inline std::atomic<int64_t> calls{0};
  static R call(A... args) {
    calls.fetch_add(1);
    return on_counting((backend(DeviceType::kCPU).kernels.*Field)(host_view(args)...));
  }
};

std::atomic<int64_t> g_add_inplace_calls{0};
void add_inplace(Tensor& a, const Tensor& b) {  // in place: the CPU kernel writes through the view
  g_add_inplace_calls.fetch_add(1);
  Tensor ha = host_view(a);
  backend(DeviceType::kCPU).kernels.add_inplace(ha, host_view(b));
}

DeviceMemory counting_memory() {
  DeviceMemory m;
  m.allocate = [](size_t nbytes, int) {
    g_bytes_allocated.fetch_add(static_cast<int64_t>(nbytes));
    return std::malloc(nbytes);
  };
  m.deallocate = [](void* p, size_t, int) { std::free(p); };
  m.copy_bytes = [](void* dst, Device, const void* src, Device, size_t n) { std::memcpy(dst, src, n); };
  m.copy_strided = [](const Tensor& dst, const Tensor& src) { host_view(dst).copy_(host_view(src)); };
  m.fill = [](const Tensor& dst, float value) { host_view(dst).fill_(value); };
  m.synchronize_all = [] {};
  return m;
}

const Backend& counting_backend() {
  static const Backend b = [] {
    Backend t;
    t.name = "counting";
    t.devices = [] {
      return std::vector<DeviceInfo>{{kCountingDevice, "counting (forwards to the CPU)", 0}};
    };
    t.unavailable_reason = [] { return std::string(); };
    t.runs_model = true;
    t.memory = counting_memory();
    t.synchronize = [](int) {};
    KernelTable& k = t.kernels;
    k.linear = Forward<&KernelTable::linear>::call;
    k.matmul = Forward<&KernelTable::matmul>::call;
    k.conv2d = Forward<&KernelTable::conv2d>::call;
    k.conv_transpose2d = Forward<&KernelTable::conv_transpose2d>::call;
    k.max_pool2d = Forward<&KernelTable::max_pool2d>::call;
    k.layer_norm = Forward<&KernelTable::layer_norm>::call;
    k.group_norm = Forward<&KernelTable::group_norm>::call;
    k.unary = Forward<&KernelTable::unary>::call;
    k.binary = Forward<&KernelTable::binary>::call;
    k.add_inplace = add_inplace;
    k.softmax = Forward<&KernelTable::softmax>::call;
    k.masked_mean = Forward<&KernelTable::masked_mean>::call;
    k.concat = Forward<&KernelTable::concat>::call;
    k.embedding = Forward<&KernelTable::embedding>::call;
    k.attention = Forward<&KernelTable::attention>::call;
    k.apply_rope = Forward<&KernelTable::apply_rope>::call;
    k.interpolate_nearest = Forward<&KernelTable::interpolate_nearest>::call;
    k.interpolate_bilinear = Forward<&KernelTable::interpolate_bilinear>::call;
    k.interpolate_bilinear_antialias = Forward<&KernelTable::interpolate_bilinear_antialias>::call;
    k.roi_align = Forward<&KernelTable::roi_align>::call;
    k.grid_sample = Forward<&KernelTable::grid_sample>::call;
    return t;
  }();
  return b;
}

// The one registration. It stays for the process: the tiny session's tensors live until exit.
void register_counting_backend() {
  static const bool once = (register_backend(kCounting, &counting_backend()), true);
  (void)once;
}

class CountingBackend : public ::testing::TestWithParam<std::string> {};

TEST_P(CountingBackend, TinyModelMatchesTheFloat32Reference) {
  register_counting_backend();
  const FixtureCase c = load_case(GetParam());
  pipeline::ImageSession& session = tiny_session(kCountingDevice);
  const int64_t linear_before = Forward<&KernelTable::linear>::calls.load();
  const TensorDump& dump = run_case_with_dump(session, c);
  EXPECT_GE(expect_dump_matches_case(c, dump, "counting"), 30);
  EXPECT_GT(Forward<&KernelTable::linear>::calls.load(), linear_before)
      << "the model did not run on the backend";
  for (const auto& [name, t] : dump) {
    if (name.rfind("input.", 0) != 0 && name.rfind("out.", 0) != 0) {
      EXPECT_EQ(t.device(), kCountingDevice) << name << " left the device";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCases, CountingBackend, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Selection, naming and what the model used: the device strings work like the built-in ones, the
// weights were uploaded through the backend's allocator, and the model's hot kernels all ran.
TEST(CountingBackendRegistry, SelectedByNameAndUsedForEveryHotKernel) {
  register_counting_backend();
  EXPECT_EQ(select_device("counting"), kCountingDevice);
  EXPECT_EQ(select_device("counting:0"), kCountingDevice);
  EXPECT_EQ(kCountingDevice.str(), "counting:0");
  EXPECT_THROW(select_device("counting:1"), Error);
  pipeline::ImageSession& session = tiny_session(kCountingDevice);
  run_case_with_dump(session, load_case(case_names().front()));
  EXPECT_GT(g_bytes_allocated.load(), 0);
  EXPECT_GT(Forward<&KernelTable::linear>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::matmul>::calls.load() + Forward<&KernelTable::attention>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::conv2d>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::conv_transpose2d>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::layer_norm>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::attention>::calls.load(), 0);
  EXPECT_GT(Forward<&KernelTable::grid_sample>::calls.load() + Forward<&KernelTable::roi_align>::calls.load(),
            0);
  EXPECT_GT(g_add_inplace_calls.load(), 0);
}

}  // namespace
}  // namespace sam3rt::test
