// The pickle subset reader on its own, with hooks that accept any persistent id and any REDUCE
// (so the fuzzer explores the whole opcode machine, not only what torch checkpoints reach).
#include "fuzz/fuzz-target.h"
#include "io/pickle.h"

SAM3RT_FUZZ_TARGET(pickle) {
  sam3rt::UnpicklerHooks hooks;
  hooks.persistent_load = [](const sam3rt::PyRef& pid) {
    auto v = sam3rt::PyValue::make(sam3rt::PyValue::Kind::kOpaque);
    v->s = pid->kind_name();
    return v;
  };
  hooks.reduce = [](const std::string& global, const sam3rt::PyRef& args) -> sam3rt::PyRef {
    if (global.size() % 2) return nullptr;  // some globals unsupported, as in a real caller
    auto v = sam3rt::PyValue::make(sam3rt::PyValue::Kind::kOpaque);
    v->s = global;
    return v;
  };
  sam3rt::unpickle(data, size, "fuzz.pkl", hooks);
}
