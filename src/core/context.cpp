#include "core/context.h"

namespace sam3rt {
namespace {
const Context kDefaults;
thread_local const Context* t_current = nullptr;
}  // namespace

const Context& current_context() { return t_current ? *t_current : kDefaults; }

ScopedContext::ScopedContext(const Context& context) : context_(context), previous_(t_current) {
  t_current = &context_;
}

ScopedContext::~ScopedContext() { t_current = previous_; }

ScopedAutocastOff::ScopedAutocastOff() {
  if (matmul_precision() != MatmulPrecision::kBf16) return;
  Context c = current_context();
  c.matmul_precision = MatmulPrecision::kTf32;
  scope_.emplace(c);
}

}  // namespace sam3rt
