// Opt-in accounting of wall time per op: every public op in src/ops opens an OpScope; when
// profiling is on, the outermost scope of each thread adds its elapsed time and one call to the
// op's row (ops called inside another op are not counted twice). Off (the default) it costs one
// relaxed atomic load per op. `sam3rt segment --profile` prints the table.
#pragma once

#include <cstdint>
#include <vector>

namespace sam3rt {

void set_op_profiling(bool on);
bool op_profiling();

struct OpProfileRow {
  const char* op = "";  // the op's name (static storage)
  int64_t calls = 0;
  double ms = 0;
};

// Rows with at least one call, most time first.
std::vector<OpProfileRow> op_profile();
void reset_op_profile();

// Floating-point operations (2 × multiply-adds) of the matrix products — linear, matmul,
// convolutions and attention's two products — added by the op front-ends on every call, profiling
// on or off (one relaxed atomic add per op): `sam3rt bench` divides a stage's count by its time.
// Process-wide: concurrent calls on other threads add to the same count.
void add_matmul_flops(double flops);
double matmul_flops();

class OpScope {
 public:
  explicit OpScope(const char* op);  // `op` must outlive the program (a string literal)
  ~OpScope();
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  const char* op_;
  int64_t start_ns_ = -1;  // −1: not the outermost scope, or profiling off
};

}  // namespace sam3rt
