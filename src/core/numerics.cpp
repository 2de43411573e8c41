#include "core/numerics.h"

#include <atomic>

#include "core/context.h"
#include "core/error.h"
#include "core/safe-text.h"

namespace sam3rt {
namespace {

std::atomic<MatmulPrecision> g_matmul{MatmulPrecision::kF32};

}  // namespace

MatmulPrecision parse_matmul_precision(const std::string& name) {
  if (name == "fp32") return MatmulPrecision::kF32;
  if (name == "tf32") return MatmulPrecision::kTf32;
  if (name == "tf32x3") return MatmulPrecision::kTf32x3;
  if (name == "bf16") return MatmulPrecision::kBf16;
  fail(ErrorCode::kInvalidArgument, "precision must be fp32, tf32, tf32x3 or bf16, got '", safe_text(name),
       "'");
}

const char* matmul_precision_name(MatmulPrecision p) {
  switch (p) {
    case MatmulPrecision::kF32:
      return "fp32";
    case MatmulPrecision::kTf32:
      return "tf32";
    case MatmulPrecision::kTf32x3:
      return "tf32x3";
    case MatmulPrecision::kBf16:
      return "bf16";
  }
  return "fp32";
}

void set_matmul_precision(MatmulPrecision p) { g_matmul.store(p); }
MatmulPrecision matmul_precision() { return current_context().matmul_precision.value_or(g_matmul.load()); }

ScopedNumerics::ScopedNumerics(MatmulPrecision matmul) : matmul_(g_matmul.load()) {
  set_matmul_precision(matmul);
}

ScopedNumerics::~ScopedNumerics() { set_matmul_precision(matmul_); }

}  // namespace sam3rt
