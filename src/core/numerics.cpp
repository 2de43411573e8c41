#include "core/numerics.h"

#include <atomic>

namespace sam3rt {
namespace {

std::atomic<MatmulPrecision> g_matmul{MatmulPrecision::kF32};

}  // namespace

void set_matmul_precision(MatmulPrecision p) { g_matmul.store(p); }
MatmulPrecision matmul_precision() { return g_matmul.load(); }

ScopedNumerics::ScopedNumerics(MatmulPrecision matmul) : matmul_(matmul_precision()) {
  set_matmul_precision(matmul);
}

ScopedNumerics::~ScopedNumerics() { set_matmul_precision(matmul_); }

}  // namespace sam3rt
