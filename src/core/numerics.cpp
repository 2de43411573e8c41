#include "core/numerics.h"

#include <atomic>

#include "core/context.h"

namespace sam3rt {
namespace {

std::atomic<MatmulPrecision> g_matmul{MatmulPrecision::kF32};

}  // namespace

void set_matmul_precision(MatmulPrecision p) { g_matmul.store(p); }
MatmulPrecision matmul_precision() { return current_context().matmul_precision.value_or(g_matmul.load()); }

ScopedNumerics::ScopedNumerics(MatmulPrecision matmul) : matmul_(g_matmul.load()) {
  set_matmul_precision(matmul);
}

ScopedNumerics::~ScopedNumerics() { set_matmul_precision(matmul_); }

}  // namespace sam3rt
