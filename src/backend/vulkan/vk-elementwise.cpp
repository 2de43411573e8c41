// Elementwise ops, softmax, normalisation, masked mean, embedding and RoPE on a Vulkan device.
#include <algorithm>

#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt::vk {

namespace {

Tensor new_like(const Shape& shape, const Tensor& on) {
  return Tensor::empty(shape, DType::kF32, on.device());
}
int32_t off(const Tensor& t) { return t.defined() ? to_i32(t.offset(), "offset") : 0; }
int32_t count(int64_t n) { return to_i32(n, "element count"); }

// Views `t` with the rank of `shape` (leading size-1 dims) and broadcasts it.
Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  Tensor v = t;
  while (v.dim() < shape.size()) v = v.unsqueeze(0);
  return v.expand(shape);
}

struct BinaryPush {
  int32_t n, rank, a_off, b_off, y_off, op;
  int32_t shape[6], astride[6], bstride[6];
};

void run_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& y) {
  if (y.numel() == 0) return;
  const Merged m = merge_dims(y.shape(), a.strides(), b.strides(), "binary op");
  BinaryPush push{};
  push.n = count(y.numel());
  push.rank = m.rank;
  push.a_off = off(a);
  push.b_off = off(b);
  push.y_off = off(y);
  push.op = static_cast<int32_t>(op);
  std::copy(m.shape, m.shape + 6, push.shape);
  std::copy(m.stride[0], m.stride[0] + 6, push.astride);
  std::copy(m.stride[1], m.stride[1] + 6, push.bstride);
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(y), "binary", {in(a), in(b), out(y)}, push, g.x, g.y);
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x_in, float p0, float p1) {
  const Tensor x = x_in.contiguous();
  Tensor y = new_like(x.shape(), x);
  if (x.numel() == 0) return y;
  struct {
    int32_t n, x_off, op;
    float p0, p1;
  } push{count(x.numel()), off(x), static_cast<int32_t>(op), p0, p1};
  const Groups g = groups_for(x.numel(), 256);
  dispatch(device_index(x), "unary", {in(x), out(y)}, push, g.x, g.y);
  return y;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor y = new_like(shape, a);
  run_binary(op, broadcast_to(a, shape), broadcast_to(b, shape), y);
  return y;
}

// b may be a view of a (a row of it): it is copied first, as the reference reads all of b before
// writing a.
void add_inplace(Tensor& a, const Tensor& b_in) {
  const Tensor b = b_in.storage() == a.storage() ? b_in.clone() : b_in;
  run_binary(BinaryOp::kAdd, a, broadcast_to(b, a.shape()), a);
}

Tensor softmax(const Tensor& x_in, int dim) {
  const Tensor x = x_in.contiguous();
  Tensor y = new_like(x.shape(), x);
  const int64_t n = x.size(dim);
  int64_t inner = 1;
  for (int d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const int64_t rows = n ? x.numel() / n : 0;
  if (rows == 0) return y;
  struct {
    int32_t rows, n, inner, x_off;
  } push{count(rows), count(n), count(inner), off(x)};
  const Groups g = groups_for(rows, 1);
  dispatch(device_index(x), "softmax", {in(x), out(y)}, push, g.x, g.y);
  return y;
}

Tensor layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, float eps) {
  const Tensor x = x_in.contiguous();
  const Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  Tensor y = new_like(x.shape(), x);
  const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
  if (rows == 0) return y;
  struct {
    int32_t rows, C, x_off, w_off, b_off, has_w, has_b;
    float eps;
  } push{count(rows), count(C), off(x), off(w), off(b), w.defined(), b.defined(), eps};
  const Groups g = groups_for(rows, 1);
  dispatch(device_index(x), "layer_norm", {in(x), in(w), in(b), out(y)}, push, g.x, g.y);
  return y;
}

Tensor group_norm(const Tensor& x_in, int groups, const Tensor& w_in, const Tensor& b_in, float eps) {
  const Tensor x = x_in.contiguous();
  const Tensor w = w_in.defined() ? w_in.contiguous() : Tensor();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  Tensor y = new_like(x.shape(), x);
  if (x.numel() == 0) return y;
  const int64_t B = x.size(0), C = x.size(1), S = x.numel() / (B * C);
  struct {
    int32_t count, C, S, groups, x_off, w_off, b_off, has_w, has_b;
    float eps;
  } push{count(B * groups), count(C),    count(S), groups, off(x), off(w), off(b),
         w.defined(),       b.defined(), eps};
  const Groups g = groups_for(B * groups, 1);
  dispatch(device_index(x), "group_norm", {in(x), in(w), in(b), out(y)}, push, g.x, g.y);
  return y;
}

Tensor masked_mean(const Tensor& x_in, const Tensor& mask_in) {
  const Tensor x = x_in.contiguous(), mask = mask_in.contiguous();
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  Tensor y = new_like({B, C}, x);
  if (y.numel() == 0) return y;
  struct {
    int32_t n, L, C, x_off, m_off;
  } push{count(B * C), count(L), count(C), off(x), off(mask)};
  const Groups g = groups_for(B * C, 256);
  dispatch(device_index(x), "masked_mean", {in(x), in(mask), out(y)}, push, g.x, g.y);
  return y;
}

Tensor embedding(const Tensor& weight_in, const Tensor& ids_in) {
  const Tensor w = weight_in.contiguous(), ids = ids_in.contiguous();
  const int64_t C = w.size(1);
  Shape shape = ids.shape();
  shape.push_back(C);
  Tensor y = new_like(shape, w);
  if (y.numel() == 0) return y;
  struct {
    int32_t n, C, w_off, ids_off, ids64;
  } push{count(y.numel()), count(C), off(w), off(ids), ids.dtype() == DType::kI64};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(w), "embedding", {in(w), in(ids), out(y)}, push, g.x, g.y);
  return y;
}

Tensor apply_rope(const Tensor& x_in, const Tensor& table_in) {
  const Tensor x = x_in.contiguous(), table = table_in.contiguous();
  Tensor y = new_like(x.shape(), x);
  const int64_t L = x.size(2), D = x.size(3);
  if (x.numel() == 0) return y;
  struct {
    int32_t pairs, L, half_d, x_off, t_off;
  } push{count(x.numel() / 2), count(L), count(D / 2), off(x), off(table)};
  const Groups g = groups_for(x.numel() / 2, 256);
  dispatch(device_index(x), "rope", {in(x), in(table), out(y)}, push, g.x, g.y);
  return y;
}

}  // namespace sam3rt::vk
