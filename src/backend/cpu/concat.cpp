// Optimised concat: each input is a block of `outer` rows of size_d·inner elements that lands
// at a fixed column offset of the output rows, so the copy is one memcpy per (input, row);
// any dtype (the bytes are copied as they are).
#include <cstring>

#include "backend/cpu/cpu-kernels.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {

// xs: same dtype, same shape outside `dim` (already wrapped) → concatenation along `dim`
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  Shape shape = xs[0].shape();
  int64_t total = 0;
  for (const Tensor& t : xs) total += t.size(dim);
  shape[dim] = total;
  const DType dtype = xs[0].dtype();
  Tensor y = Tensor::empty(shape, dtype);
  if (y.numel() == 0) return y;
  const size_t elem = dtype_size(dtype);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= shape[d];
  for (int d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
  const size_t out_row = static_cast<size_t>(total * inner) * elem;
  auto* yp = static_cast<unsigned char*>(y.raw_data());
  size_t col = 0;
  for (const Tensor& t_in : xs) {
    const size_t row = static_cast<size_t>(t_in.size(dim) * inner) * elem;
    if (row == 0) continue;
    const Tensor t = t_in.contiguous();
    const auto* src = static_cast<const unsigned char*>(t.raw_data());
    parallel_for(outer, std::max<int64_t>(1, static_cast<int64_t>((256 << 10) / row)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) std::memcpy(yp + r * out_row + col, src + r * row, row);
    });
    col += row;
  }
  return y;
}

}  // namespace sam3rt::cpu
