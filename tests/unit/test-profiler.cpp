// core/profiler: off by default, counts the outermost op of each thread once, resets.
#include <gtest/gtest.h>

#include <cstring>

#include "core/profiler.h"
#include "ops/ops.h"

namespace sam3rt {
namespace {

const OpProfileRow* find_row(const std::vector<OpProfileRow>& rows, const char* op) {
  for (const OpProfileRow& r : rows)
    if (std::strcmp(r.op, op) == 0) return &r;
  return nullptr;
}

TEST(OpProfiler, CountsOutermostOpsOnlyWhileOn) {
  reset_op_profile();
  const Tensor x = Tensor::full({4, 8}, 1.f), w = Tensor::full({3, 8}, 1.f);
  ops::linear(x, w);
  EXPECT_TRUE(op_profile().empty()) << "off by default";

  set_op_profiling(true);
  ops::linear(x, w);
  ops::linear(x, w);
  {
    const OpScope outer("outer-test-op");
    ops::gelu(x);  // inside another op: counted in the outer one only
  }
  set_op_profiling(false);
  ops::linear(x, w);

  const std::vector<OpProfileRow> rows = op_profile();
  const OpProfileRow* linear = find_row(rows, "linear");
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->calls, 2);
  EXPECT_GE(linear->ms, 0.0);
  const OpProfileRow* outer = find_row(rows, "outer-test-op");
  ASSERT_NE(outer, nullptr);
  EXPECT_EQ(outer->calls, 1);
  EXPECT_EQ(find_row(rows, "gelu"), nullptr);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].ms, rows[i].ms) << "most time first";

  reset_op_profile();
  EXPECT_TRUE(op_profile().empty());
}

}  // namespace
}  // namespace sam3rt
