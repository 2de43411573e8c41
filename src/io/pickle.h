// The subset of Python's pickle format that torch.save writes (protocols 2-5): None, bools,
// ints, floats, strings, bytes, tuples, lists, dicts, GLOBAL references, REDUCE/BUILD and
// persistent ids. Nothing is executed: GLOBAL only records a name, and REDUCE calls back into the
// caller, which decides what each allowed global means. Any other opcode is a clear error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace sam3rt {

struct PyValue;
using PyRef = std::shared_ptr<PyValue>;

struct PyValue {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kBytes, kTuple, kList, kDict, kGlobal, kTensor, kOpaque };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                                 // string, bytes, global "module.name", opaque tag
  std::vector<PyRef> items;                      // tuple, list
  std::vector<std::pair<PyRef, PyRef>> entries;  // dict, in insertion order
  Tensor tensor;                                 // tensor
  std::shared_ptr<void> payload;                 // opaque values made by the caller (storages)
  // Bookkeeping of the unpickler's limits: nesting depth below this value (0 = no children),
  // and whether the value was put into a container (after which it may not change).
  uint32_t depth = 0;
  bool contained = false;

  static PyRef none() { return std::make_shared<PyValue>(); }
  static PyRef make(Kind k) {
    auto v = std::make_shared<PyValue>();
    v->kind = k;
    return v;
  }
  const char* kind_name() const;
};

struct UnpicklerHooks {
  // BINPERSID: turns the persistent id into a value (torch: a storage).
  std::function<PyRef(const PyRef& pid)> persistent_load;
  // REDUCE of a global other than collections.OrderedDict: returns the result, or null when the
  // global is not one the caller supports (the unpickler then reports it).
  std::function<PyRef(const std::string& global, const PyRef& args)> reduce;
};

// Containers nest at most this deep (a state dict nests 4 levels; deeper would only make the
// recursive destruction of the values overflow the stack).
inline constexpr uint32_t kMaxPickleDepth = 100;

// Runs the pickle program in `data` and returns the value STOP leaves on the stack. `where` names
// the file (and entry) in error messages. Throws kUnsupported naming the opcode or global, kFormat
// on a malformed program.
//
// Limits, so that no pickle can exhaust memory or the stack: every value is made by an opcode of
// at least one byte, and all containers together hold at most 2 × size + 16 items (a copy by
// OrderedDict(list) counts again); nesting stops at kMaxPickleDepth; a container that was put
// into another one can no longer be changed and nothing can contain itself, so the values form
// no reference cycle (torch.save writes each container whole before using it, and state dicts
// have no cycles).
PyRef unpickle(const uint8_t* data, size_t size, const std::string& where, const UnpicklerHooks& hooks);

}  // namespace sam3rt
