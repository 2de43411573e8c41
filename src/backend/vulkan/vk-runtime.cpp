#include "backend/vulkan/vk-runtime.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/vulkan/vk-shaders.h"
#include "core/error.h"

namespace sam3rt::vk {

namespace {

constexpr int kChunkShift = 36;  // block address = (chunk + 1) << 36 | offset
constexpr VkDeviceSize kChunkBytes = VkDeviceSize(64) << 20;
constexpr VkDeviceSize kDedicatedMin = VkDeviceSize(16) << 20;  // larger blocks get their own buffer
constexpr VkDeviceSize kBlockAlign = 256;  // ≥ minStorageBufferOffsetAlignment (≤ 256)
constexpr VkDeviceSize kStagingBytes = VkDeviceSize(16) << 20;
constexpr uint32_t kSetsPerPool = 1024;
constexpr uint32_t kMaxBindings = 6;
constexpr uint32_t kPushBytes = 128;

const char* result_name(VkResult r) {
  switch (r) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      return "out of host memory";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return "out of device memory";
    case VK_ERROR_INITIALIZATION_FAILED:
      return "initialization failed";
    case VK_ERROR_DEVICE_LOST:
      return "device lost";
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      return "incompatible driver (no Vulkan driver found)";
    case VK_ERROR_EXTENSION_NOT_PRESENT:
      return "extension not present";
    case VK_ERROR_FEATURE_NOT_PRESENT:
      return "feature not present";
    case VK_ERROR_LAYER_NOT_PRESENT:
      return "layer not present";
    default:
      return "error";
  }
}

void check(VkResult r, const char* what) {
  if (r == VK_SUCCESS) return;
  const bool oom = r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY;
  fail(oom ? ErrorCode::kOutOfMemory : ErrorCode::kInternal, "Vulkan: ", what, " failed: ", result_name(r),
       " (", static_cast<int>(r), ")");
}

// --- the instance and its physical devices ---------------------------------------------------------

struct PhysicalDevice {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props{};
  std::string driver;  // "llvmpipe", "NVIDIA", "MoltenVK"
  uint32_t queue_family = 0;
  size_t memory_bytes = 0;
  bool portability_subset = false;
};

struct Instance {
  VkInstance handle = VK_NULL_HANDLE;
  std::string error;  // why there is no instance, or no device
  std::vector<PhysicalDevice> devices;
};

bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_OTHER:
      return 3;
    default:
      return 4;  // VK_PHYSICAL_DEVICE_TYPE_CPU: lavapipe, SwiftShader
  }
}

Instance create_instance() {
  Instance inst;
  uint32_t n = 0;
  if (vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr) != VK_SUCCESS) {
    inst.error = "the Vulkan loader cannot list instance extensions";
    return inst;
  }
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, exts.data());
  std::vector<const char*> enable;
  VkInstanceCreateFlags flags = 0;
  // MoltenVK is a "portability" implementation: the loader lists it only when asked to.
  if (has_extension(exts, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
    enable.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }
  const bool props2 = has_extension(exts, VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_EXTENSION_NAME);
  if (props2) enable.push_back(VK_KHR_GET_PHYSICAL_DEVICE_PROPERTIES_2_EXTENSION_NAME);
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "sam3rt";
  app.pEngineName = "sam3rt";
  app.apiVersion = VK_API_VERSION_1_1;  // subgroup operations in compute shaders
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.flags = flags;
  ci.pApplicationInfo = &app;
  ci.enabledExtensionCount = static_cast<uint32_t>(enable.size());
  ci.ppEnabledExtensionNames = enable.data();
  const VkResult r = vkCreateInstance(&ci, nullptr, &inst.handle);
  if (r != VK_SUCCESS) {
    inst.error = std::string("vkCreateInstance failed: ") + result_name(r);
    inst.handle = VK_NULL_HANDLE;
    return inst;
  }
  n = 0;
  vkEnumeratePhysicalDevices(inst.handle, &n, nullptr);
  std::vector<VkPhysicalDevice> phys(n);
  vkEnumeratePhysicalDevices(inst.handle, &n, phys.data());
  for (VkPhysicalDevice p : phys) {
    PhysicalDevice d;
    d.handle = p;
    vkGetPhysicalDeviceProperties(p, &d.props);
    if (d.props.apiVersion < VK_API_VERSION_1_1) continue;
    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(p, &nq, nullptr);
    std::vector<VkQueueFamilyProperties> qs(nq);
    vkGetPhysicalDeviceQueueFamilyProperties(p, &nq, qs.data());
    bool found = false;
    // A compute queue, preferring one without graphics (an async-compute family).
    for (int pass = 0; pass < 2 && !found; ++pass)
      for (uint32_t i = 0; i < nq && !found; ++i)
        if ((qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
            (pass == 1 || !(qs[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))) {
          d.queue_family = i;
          found = true;
        }
    if (!found) continue;
    uint32_t ne = 0;
    vkEnumerateDeviceExtensionProperties(p, nullptr, &ne, nullptr);
    std::vector<VkExtensionProperties> dexts(ne);
    vkEnumerateDeviceExtensionProperties(p, nullptr, &ne, dexts.data());
    d.portability_subset = has_extension(dexts, "VK_KHR_portability_subset");
    d.driver = d.props.deviceName;
    if (d.props.apiVersion >= VK_API_VERSION_1_2 ||
        has_extension(dexts, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME)) {
      VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
      VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
      p2.pNext = &drv;
      vkGetPhysicalDeviceProperties2(p, &p2);
      d.driver = std::string(drv.driverName) + (drv.driverInfo[0] ? std::string(", ") + drv.driverInfo : "");
    }
    VkPhysicalDeviceMemoryProperties mem{};
    vkGetPhysicalDeviceMemoryProperties(p, &mem);
    for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
      if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
        d.memory_bytes += mem.memoryHeaps[h].size;
    inst.devices.push_back(std::move(d));
  }
  std::stable_sort(inst.devices.begin(), inst.devices.end(),
                   [](const PhysicalDevice& a, const PhysicalDevice& b) {
                     return type_rank(a.props.deviceType) < type_rank(b.props.deviceType);
                   });
  if (inst.devices.empty())
    inst.error = n == 0
                     ? "the Vulkan loader found no device (install a Vulkan driver, e.g. mesa-vulkan-drivers)"
                     : "no Vulkan 1.1 device with a compute queue";
  return inst;
}

// Never destroyed (as the CUDA backend's state): tensors held by statics are freed at exit.
const Instance& instance() {
  static const Instance* inst = new Instance(create_instance());
  return *inst;
}

// --- one logical device --------------------------------------------------------------------------

struct Chunk {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0, used = 0;
};

struct HostBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  void* mapped = nullptr;
};

struct Range {
  uint32_t chunk;
  VkDeviceSize begin, end;
  bool overlaps(const Range& o) const { return chunk == o.chunk && begin < o.end && o.begin < end; }
};

struct DeviceState {
  const PhysicalDevice* phys = nullptr;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties mem_props{};
  uint32_t device_type = 0, staging_type = 0, readback_type = 0;
  DeviceLimits limits;
  // memory
  std::vector<Chunk> chunks;
  std::multimap<VkDeviceSize, uint64_t> cached;  // freed blocks by size
  uint32_t open_chunk = UINT32_MAX;              // the chunk that small blocks come from
  HostBuffer staging, readback;
  VkDeviceSize staging_used = 0;
  void* dummy = nullptr;  // a small block bound for absent optional arguments
  // commands
  VkCommandPool cmd_pool = VK_NULL_HANDLE;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  bool recording = false;
  VkDescriptorPool desc_pool = VK_NULL_HANDLE;
  uint32_t sets_used = 0;
  std::vector<Range> reads, writes;  // since the last barrier
  // pipelines
  VkPipelineCache pipeline_cache = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layouts[kMaxBindings + 1] = {};
  VkPipelineLayout layouts[kMaxBindings + 1] = {};
  std::unordered_map<std::string, VkPipeline> pipelines;
};

std::recursive_mutex& g_mutex = *new std::recursive_mutex;
std::vector<std::unique_ptr<DeviceState>>& states() {
  static auto* s = new std::vector<std::unique_ptr<DeviceState>>;
  return *s;
}

uint32_t find_memory_type(const VkPhysicalDeviceMemoryProperties& mp, uint32_t bits,
                          VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer) {
  for (VkMemoryPropertyFlags flags : {want | prefer, want})
    for (uint32_t i = 0; i < mp.memoryTypeCount; ++i)
      if ((bits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & flags) == flags) return i;
  return UINT32_MAX;
}

VkBuffer make_buffer(DeviceState& st, VkDeviceSize size, VkBufferUsageFlags usage, uint32_t* type_bits) {
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = size;
  bi.usage = usage;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer b = VK_NULL_HANDLE;
  check(vkCreateBuffer(st.device, &bi, nullptr, &b), "vkCreateBuffer");
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(st.device, b, &req);
  *type_bits = req.memoryTypeBits;
  return b;
}

VkResult bind_memory(DeviceState& st, VkBuffer b, uint32_t type, VkDeviceMemory* mem) {
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(st.device, b, &req);
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = type;
  VkResult r = vkAllocateMemory(st.device, &ai, nullptr, mem);
  if (r != VK_SUCCESS) return r;
  return vkBindBufferMemory(st.device, b, *mem, 0);
}

HostBuffer make_host_buffer(DeviceState& st, VkDeviceSize size, bool readback) {
  HostBuffer h;
  uint32_t bits = 0;
  h.buffer =
      make_buffer(st, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, &bits);
  const uint32_t type = find_memory_type(
      st.mem_props, bits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
      readback ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
  SAM3RT_CHECK(type != UINT32_MAX, kDeviceUnavailable,
               "Vulkan: the device has no host-visible coherent memory");
  check(bind_memory(st, h.buffer, type, &h.memory), "allocating a staging buffer");
  check(vkMapMemory(st.device, h.memory, 0, VK_WHOLE_SIZE, 0, &h.mapped), "vkMapMemory");
  return h;
}

std::unique_ptr<DeviceState> create_device(int index) {
  const Instance& inst = instance();
  SAM3RT_CHECK(index >= 0 && index < static_cast<int>(inst.devices.size()), kDeviceUnavailable,
               "vulkan:", index, " is not present (", inst.devices.size(), " Vulkan device(s) found)");
  auto st = std::make_unique<DeviceState>();
  st->phys = &inst.devices[static_cast<size_t>(index)];
  const float priority = 1.f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = st->phys->queue_family;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  std::vector<const char*> exts;
  if (st->phys->portability_subset) exts.push_back("VK_KHR_portability_subset");  // required when listed
  VkPhysicalDeviceFeatures supported{}, features{};
  vkGetPhysicalDeviceFeatures(st->phys->handle, &supported);
  features.shaderFloat64 = supported.shaderFloat64;  // an exactly rounded fma (resize_aa_pass_f64)
  st->limits.float64 = supported.shaderFloat64 == VK_TRUE;
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  di.pEnabledFeatures = &features;
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  di.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  di.ppEnabledExtensionNames = exts.data();
  check(vkCreateDevice(st->phys->handle, &di, nullptr, &st->device), "vkCreateDevice");
  vkGetDeviceQueue(st->device, st->phys->queue_family, 0, &st->queue);
  vkGetPhysicalDeviceMemoryProperties(st->phys->handle, &st->mem_props);

  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &sub;
  vkGetPhysicalDeviceProperties2(st->phys->handle, &p2);
  st->limits.subgroup_size = sub.subgroupSize;
  st->limits.max_shared_bytes = st->phys->props.limits.maxComputeSharedMemorySize;
  // The shaders' workgroups have up to 256 invocations (the guaranteed minimum is 128).
  SAM3RT_CHECK(st->phys->props.limits.maxComputeWorkGroupInvocations >= 256, kDeviceUnavailable,
               "vulkan:", index, " (", st->phys->props.deviceName, ") allows ",
               st->phys->props.limits.maxComputeWorkGroupInvocations,
               " invocations per workgroup; the shaders need 256");

  uint32_t bits = 0;
  VkBuffer probe = make_buffer(*st, 256, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, &bits);
  vkDestroyBuffer(st->device, probe, nullptr);
  st->device_type = find_memory_type(st->mem_props, bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
  if (st->device_type == UINT32_MAX) st->device_type = find_memory_type(st->mem_props, bits, 0, 0);
  st->staging = make_host_buffer(*st, kStagingBytes, false);
  st->readback = make_host_buffer(*st, kStagingBytes, true);

  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = st->phys->queue_family;
  check(vkCreateCommandPool(st->device, &pi, nullptr, &st->cmd_pool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo cai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cai.commandPool = st->cmd_pool;
  cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cai.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(st->device, &cai, &st->cmd), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vkCreateFence(st->device, &fi, nullptr, &st->fence), "vkCreateFence");
  VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kMaxBindings};
  VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dpi.maxSets = kSetsPerPool;
  dpi.poolSizeCount = 1;
  dpi.pPoolSizes = &ps;
  check(vkCreateDescriptorPool(st->device, &dpi, nullptr, &st->desc_pool), "vkCreateDescriptorPool");
  VkPipelineCacheCreateInfo pci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  check(vkCreatePipelineCache(st->device, &pci, nullptr, &st->pipeline_cache), "vkCreatePipelineCache");
  for (uint32_t n = 0; n <= kMaxBindings; ++n) {
    std::vector<VkDescriptorSetLayoutBinding> bindings(n);
    for (uint32_t i = 0; i < n; ++i)
      bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    li.bindingCount = n;
    li.pBindings = bindings.data();
    check(vkCreateDescriptorSetLayout(st->device, &li, nullptr, &st->set_layouts[n]),
          "vkCreateDescriptorSetLayout");
    VkPushConstantRange pr{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
    VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &st->set_layouts[n];
    pli.pushConstantRangeCount = 1;
    pli.pPushConstantRanges = &pr;
    check(vkCreatePipelineLayout(st->device, &pli, nullptr, &st->layouts[n]), "vkCreatePipelineLayout");
  }
  return st;
}

DeviceState& state(int index);

// --- the command stream ------------------------------------------------------------------------------

void begin_if_needed(DeviceState& st) {
  if (st.recording) return;
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(st.cmd, &bi), "vkBeginCommandBuffer");
  st.recording = true;
}

// Submits what is recorded and waits; then the staging ring and descriptor pool start over.
void flush(DeviceState& st) {
  if (st.recording) {
    check(vkEndCommandBuffer(st.cmd), "vkEndCommandBuffer");
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &st.cmd;
    check(vkQueueSubmit(st.queue, 1, &si, st.fence), "vkQueueSubmit");
    check(vkWaitForFences(st.device, 1, &st.fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    check(vkResetFences(st.device, 1, &st.fence), "vkResetFences");
    check(vkResetCommandBuffer(st.cmd, 0), "vkResetCommandBuffer");
    st.recording = false;
  }
  if (st.sets_used) check(vkResetDescriptorPool(st.device, st.desc_pool, 0), "vkResetDescriptorPool");
  st.sets_used = 0;
  st.staging_used = 0;
  st.reads.clear();
  st.writes.clear();
}

// A barrier before a command that reads `reads` and writes `writes`, when it depends on (or
// overwrites) what an earlier command since the last barrier touched.
void order(DeviceState& st, const std::vector<Range>& reads, const std::vector<Range>& writes) {
  bool hazard = false;
  for (const Range& r : reads)
    for (const Range& w : st.writes) hazard = hazard || r.overlaps(w);
  for (const Range& w : writes) {
    for (const Range& o : st.writes) hazard = hazard || w.overlaps(o);
    for (const Range& o : st.reads) hazard = hazard || w.overlaps(o);
  }
  if (hazard) {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(st.cmd, stages, stages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    st.reads.clear();
    st.writes.clear();
  }
  st.reads.insert(st.reads.end(), reads.begin(), reads.end());
  st.writes.insert(st.writes.end(), writes.begin(), writes.end());
}

// --- memory --------------------------------------------------------------------------------------

struct Location {
  uint32_t chunk;
  VkDeviceSize offset;
};
Location locate(const void* p) {
  const auto a = reinterpret_cast<uint64_t>(p);
  return {static_cast<uint32_t>((a >> kChunkShift) - 1), a & ((uint64_t(1) << kChunkShift) - 1)};
}
void* address(uint32_t chunk, VkDeviceSize offset) {
  return reinterpret_cast<void*>((uint64_t(chunk) + 1) << kChunkShift | offset);
}

VkDeviceSize round_up(VkDeviceSize n, VkDeviceSize a) { return (n + a - 1) / a * a; }

// A new chunk of `size` bytes; false when the device is out of memory.
bool add_chunk(DeviceState& st, VkDeviceSize size, uint32_t* index) {
  Chunk c;
  c.size = size;
  uint32_t bits = 0;
  c.buffer = make_buffer(st, size,
                         VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                             VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                         &bits);
  const VkResult r = bind_memory(st, c.buffer, st.device_type, &c.memory);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(st.device, c.buffer, nullptr);
    if (c.memory) vkFreeMemory(st.device, c.memory, nullptr);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) return false;
    check(r, "allocating device memory");
  }
  *index = static_cast<uint32_t>(st.chunks.size());
  st.chunks.push_back(c);
  return true;
}

void* allocate_locked(DeviceState& st, size_t nbytes, int index) {
  const VkDeviceSize size = round_up(nbytes, kBlockAlign);
  if (auto it = st.cached.find(size); it != st.cached.end()) {
    const uint64_t a = it->second;
    st.cached.erase(it);
    return reinterpret_cast<void*>(a);
  }
  const VkDeviceSize max_range = st.phys->props.limits.maxStorageBufferRange;
  SAM3RT_CHECK(size <= max_range, kOutOfMemory, "vulkan:", index, ": a block of ", nbytes,
               " bytes exceeds the device's largest storage buffer (", max_range, " bytes)");
  uint32_t chunk = 0;
  if (size >= kDedicatedMin) {
    if (!add_chunk(st, size, &chunk)) {
      // Wait for the queued work, then retry once: nothing else can be given back (blocks are
      // cached inside chunks that stay allocated).
      flush(st);
      SAM3RT_CHECK(add_chunk(st, size, &chunk), kOutOfMemory, "vulkan:", index, ": cannot allocate ", nbytes,
                   " bytes (out of device memory)");
    }
    st.chunks[chunk].used = size;
    return address(chunk, 0);
  }
  if (st.open_chunk == UINT32_MAX || st.chunks[st.open_chunk].used + size > st.chunks[st.open_chunk].size) {
    SAM3RT_CHECK(add_chunk(st, kChunkBytes, &chunk), kOutOfMemory, "vulkan:", index, ": cannot allocate ",
                 kChunkBytes, " bytes (out of device memory)");
    st.open_chunk = chunk;
  }
  Chunk& c = st.chunks[st.open_chunk];
  const VkDeviceSize at = c.used;
  c.used += size;
  return address(st.open_chunk, at);
}

void* allocate(size_t nbytes, int index) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  return allocate_locked(state(index), nbytes, index);
}

// The block goes back to the cache at once: commands recorded later are ordered after the ones
// that used it by the barrier tracking (a write to it after a read is a hazard).
void deallocate(void* ptr, size_t nbytes, int index) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  state(index).cached.emplace(round_up(nbytes, kBlockAlign), reinterpret_cast<uint64_t>(ptr));
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (nbytes == 0) return;
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  const bool to_host = dst_device.is_cpu(), from_host = src_device.is_cpu();
  DeviceState& st = state(to_host ? src_device.index : dst_device.index);
  if (!to_host && !from_host) {
    SAM3RT_CHECK(dst_device == src_device, kUnsupported,
                 "Vulkan: copies between two devices are not supported");
    const Location s = locate(src), d = locate(dst);
    begin_if_needed(st);
    order(st, {{s.chunk, s.offset, s.offset + nbytes}}, {{d.chunk, d.offset, d.offset + nbytes}});
    VkBufferCopy region{s.offset, d.offset, nbytes};
    vkCmdCopyBuffer(st.cmd, st.chunks[s.chunk].buffer, st.chunks[d.chunk].buffer, 1, &region);
    return;
  }
  if (from_host) {
    const Location d = locate(dst);
    for (size_t done = 0; done < nbytes;) {
      if (st.staging_used >= kStagingBytes) flush(st);
      const size_t n = std::min<size_t>(nbytes - done, kStagingBytes - st.staging_used);
      std::memcpy(static_cast<char*>(st.staging.mapped) + st.staging_used,
                  static_cast<const char*>(src) + done, n);
      begin_if_needed(st);
      order(st, {}, {{d.chunk, d.offset + done, d.offset + done + n}});
      VkBufferCopy region{st.staging_used, d.offset + done, n};
      vkCmdCopyBuffer(st.cmd, st.staging.buffer, st.chunks[d.chunk].buffer, 1, &region);
      st.staging_used = round_up(st.staging_used + n, 16);
      done += n;
    }
    return;
  }
  const Location s = locate(src);
  for (size_t done = 0; done < nbytes;) {
    const size_t n = std::min<size_t>(nbytes - done, kStagingBytes);
    begin_if_needed(st);
    order(st, {{s.chunk, s.offset + done, s.offset + done + n}}, {});
    VkBufferCopy region{s.offset + done, 0, n};
    vkCmdCopyBuffer(st.cmd, st.chunks[s.chunk].buffer, st.readback.buffer, 1, &region);
    flush(st);
    std::memcpy(static_cast<char*>(dst) + done, st.readback.mapped, n);
    done += n;
  }
}

void synchronize_all() {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  for (auto& st : states())
    if (st) flush(*st);
}

DeviceState& state(int index) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  auto& s = states();
  SAM3RT_CHECK(index >= 0, kInvalidArgument, "vulkan:", index, " is not a device");
  if (static_cast<int>(s.size()) <= index) s.resize(static_cast<size_t>(index) + 1);
  if (!s[static_cast<size_t>(index)]) {
    auto st = create_device(index);
    st->dummy = allocate_locked(*st, 256, index);
    s[static_cast<size_t>(index)] = std::move(st);
  }
  return *s[static_cast<size_t>(index)];
}

VkPipeline pipeline(DeviceState& st, const char* name, uint32_t bindings) {
  const std::string key = std::string(name) + "/" + std::to_string(bindings);
  if (auto it = st.pipelines.find(key); it != st.pipelines.end()) return it->second;
  const SpirvModule* m = find_spirv(name);
  SAM3RT_CHECK(m != nullptr, kInternal, "Vulkan: no embedded shader named '", name, "'");
  VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  mi.codeSize = m->word_count * sizeof(uint32_t);
  mi.pCode = m->words;
  VkShaderModule module = VK_NULL_HANDLE;
  check(vkCreateShaderModule(st.device, &mi, nullptr, &module), "vkCreateShaderModule");
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module;
  ci.stage.pName = "main";
  ci.layout = st.layouts[bindings];
  VkPipeline p = VK_NULL_HANDLE;
  const VkResult r = vkCreateComputePipelines(st.device, st.pipeline_cache, 1, &ci, nullptr, &p);
  vkDestroyShaderModule(st.device, module, nullptr);
  check(r, "vkCreateComputePipelines");
  st.pipelines.emplace(key, p);
  return p;
}

}  // namespace

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  const Instance& inst = instance();
  for (size_t i = 0; i < inst.devices.size(); ++i) {
    const PhysicalDevice& d = inst.devices[i];
    DeviceInfo info{{DeviceType::kVulkan, static_cast<int>(i)},
                    std::string(d.props.deviceName) + " (Vulkan, driver " + d.driver + ")",
                    d.memory_bytes};
    info.software = d.props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
    out.push_back(std::move(info));
  }
  return out;
}

std::string unavailable_reason() {
  const Instance& inst = instance();
  return inst.devices.empty() ? inst.error : "";
}

void synchronize(int device_index) {
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  flush(state(device_index));
}

DeviceLimits limits(int device_index) { return state(device_index).limits; }

void dispatch(int device_index, const char* shader, const std::vector<Arg>& args, const void* push,
              size_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (gx == 0 || gy == 0 || gz == 0) return;
  SAM3RT_CHECK(args.size() <= kMaxBindings && push_bytes <= kPushBytes, kInternal, "Vulkan: shader ", shader,
               " has too many arguments");
  std::lock_guard<std::recursive_mutex> lock(g_mutex);
  DeviceState& st = state(device_index);
  if (st.sets_used == kSetsPerPool) flush(st);
  const auto bindings = static_cast<uint32_t>(args.size());
  VkPipeline p = pipeline(st, shader, bindings);
  begin_if_needed(st);
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorPool = st.desc_pool;
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &st.set_layouts[bindings];
  VkDescriptorSet set = VK_NULL_HANDLE;
  check(vkAllocateDescriptorSets(st.device, &ai, &set), "vkAllocateDescriptorSets");
  ++st.sets_used;
  VkDescriptorBufferInfo infos[kMaxBindings];
  VkWriteDescriptorSet writes[kMaxBindings];
  std::vector<Range> reads, written;
  for (uint32_t i = 0; i < bindings; ++i) {
    const Tensor* t = args[i].tensor;
    const void* base = st.dummy;
    VkDeviceSize bytes = 256;
    if (t) {
      SAM3RT_CHECK(t->device().type == DeviceType::kVulkan && t->device().index == device_index,
                   kInvalidArgument, "Vulkan shader ", shader, ": argument ", i, " is on ", t->device().str(),
                   ", not vulkan:", device_index);
      base = t->storage()->data();
      bytes = std::max<VkDeviceSize>(round_up(t->storage()->nbytes(), 4), 4);
    }
    const Location loc = locate(base);
    infos[i] = {st.chunks[loc.chunk].buffer, loc.offset, bytes};
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
    if (t) (args[i].write ? written : reads).push_back({loc.chunk, loc.offset, loc.offset + bytes});
  }
  vkUpdateDescriptorSets(st.device, bindings, writes, 0, nullptr);
  order(st, reads, written);
  vkCmdBindPipeline(st.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p);
  vkCmdBindDescriptorSets(st.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, st.layouts[bindings], 0, 1, &set, 0,
                          nullptr);
  if (push_bytes)
    vkCmdPushConstants(st.cmd, st.layouts[bindings], VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       static_cast<uint32_t>(push_bytes), push);
  vkCmdDispatch(st.cmd, gx, gy, gz);
}

Groups groups_for(int64_t n, int64_t size) {
  const int64_t groups = (n + size - 1) / size;
  if (groups <= 65535) return {static_cast<uint32_t>(std::max<int64_t>(groups, 1)), 1};
  const int64_t y = (groups + 65534) / 65535;
  SAM3RT_CHECK(y <= 65535, kUnsupported, "Vulkan: ", n, " items are too many for one dispatch");
  return {65535, static_cast<uint32_t>(y)};
}

int device_index(const Tensor& t) {
  SAM3RT_CHECK(t.device().type == DeviceType::kVulkan, kInvalidArgument,
               "expected a Vulkan tensor, got one on ", t.device().str());
  return t.device().index;
}

int32_t to_i32(int64_t v, const char* what) {
  SAM3RT_CHECK(v >= INT32_MIN && v <= INT32_MAX, kUnsupported, "Vulkan: ", what, " (", v,
               ") does not fit the shaders' 32-bit indices");
  return static_cast<int32_t>(v);
}

DeviceMemory memory() {
  DeviceMemory m;
  m.allocate = allocate;
  m.deallocate = deallocate;
  m.copy_bytes = copy_bytes;
  m.copy_strided = strided_copy;
  m.fill = fill;
  m.synchronize_all = synchronize_all;
  return m;
}

}  // namespace sam3rt::vk
