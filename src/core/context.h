// Per-call execution settings, instead of process-wide switches (as llama.cpp's llama_context):
// the matrix-product precision and the number of pool threads one call may use. A session owns a
// Context and installs it with ScopedContext for the duration of each of its calls, on the calling
// thread; kernels read current_context(). Calls on other threads, with other sessions, are not
// affected, so one Model can serve many threads with different settings at once.
#pragma once

#include <optional>

#include "core/numerics.h"

namespace sam3rt {

struct Context {
  // Unset: the process default (set_matmul_precision, core/numerics.h).
  std::optional<MatmulPrecision> matmul_precision;
  // At most this many pool threads per parallel region of this call; 0 = the whole pool.
  int n_threads = 0;
};

// The innermost ScopedContext of the calling thread, or an empty Context (process defaults).
const Context& current_context();

// Installs `context` on the calling thread until it goes out of scope (nests; restores the outer
// one). The Context is copied, so the caller may change its own afterwards.
class ScopedContext {
 public:
  explicit ScopedContext(const Context& context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  Context context_;
  const Context* previous_;
};

// The official code's `torch.amp.autocast(enabled=False)` regions: under bf16 products the scope's
// products take float32 operands again (TF32, as the official code's model builder allows it);
// under fp32 or tf32 it changes nothing.
class ScopedAutocastOff {
 public:
  ScopedAutocastOff();
  ScopedAutocastOff(const ScopedAutocastOff&) = delete;
  ScopedAutocastOff& operator=(const ScopedAutocastOff&) = delete;

 private:
  std::optional<ScopedContext> scope_;
};

}  // namespace sam3rt
