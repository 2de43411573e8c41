// Matrix products (one tiled GEMM shader reading its operands through strides), convolutions and
// pooling on a Vulkan device.
#include <algorithm>
#include <optional>

#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt::vk {

namespace {

int32_t off(const Tensor& t) { return t.defined() ? to_i32(t.offset(), "offset") : 0; }
int32_t i32(int64_t v) { return to_i32(v, "a size"); }

struct Operand {
  Tensor t;  // the view the strides describe
  int32_t batch_stride, row_stride, col_stride;
};

// The stride that steps through `t`'s leading `lead` dimensions as one flat batch index, if one
// stride does (every leading dimension is contiguous over the next, or a broadcast over all).
std::optional<int64_t> flat_batch_stride(const Tensor& t, int lead) {
  int64_t stride = 0, span = 0;
  bool first = true;
  for (int d = lead - 1; d >= 0; --d) {
    if (t.size(d) == 1) continue;
    if (!first && t.stride(d) != span) return std::nullopt;
    if (first) stride = t.stride(d);
    first = false;
    span = t.stride(d) * t.size(d);
  }
  return stride;
}

Operand operand(const Tensor& t, int lead) {
  std::optional<int64_t> bs = flat_batch_stride(t, lead);
  if (!bs) {
    const Tensor c = t.contiguous();
    return {c, i32(c.size(-1) * c.size(-2)), i32(c.stride(-2)), i32(c.stride(-1))};
  }
  return {t, i32(*bs), i32(t.stride(-2)), i32(t.stride(-1))};
}

// C = A · B (+ bias) over `batch` matrices; c contiguous [batch, M, N]. Batches beyond the 65535
// workgroups of one dispatch's z axis go in several dispatches.
void gemm(const Operand& a, const Operand& b, const Tensor& bias, const Tensor& c, int64_t batch, int64_t M,
          int64_t N, int64_t K) {
  if (c.numel() == 0) return;
  if (K == 0) {  // an empty sum: the bias, or zeros
    fill(c, 0.f);
    Tensor out = c;  // shares c's storage
    if (bias.defined()) add_inplace(out, bias);
    return;
  }
  if (M < 16 || N < 16) {  // thin products: one invocation per output (gemm_small.comp)
    struct {
      int32_t M, N, K, a_off, a_bs, a_rs, a_cs, b_off, b_bs, b_rs, b_cs, bias_off, has_bias, c_off, count;
    } push{i32(M),       i32(N),       i32(K),         off(a.t),       a.batch_stride,
           a.row_stride, a.col_stride, off(b.t),       b.batch_stride, b.row_stride,
           b.col_stride, off(bias),    bias.defined(), off(c),         i32(batch * M * N)};
    const Groups g = groups_for(batch * M * N, 256);
    dispatch(device_index(c), "gemm_small", {in(a.t), in(b.t), in(bias), out(c)}, push, g.x, g.y);
    return;
  }
  const auto gx = static_cast<uint32_t>((N + 63) / 64), gy = static_cast<uint32_t>((M + 63) / 64);
  SAM3RT_CHECK(gx <= 65535 && gy <= 65535, kUnsupported, "Vulkan matmul: a ", M, "x", N,
               " product is too large");
  constexpr int64_t kMaxZ = 65535;
  for (int64_t z0 = 0; z0 < batch; z0 += kMaxZ) {
    const int64_t nz = std::min(kMaxZ, batch - z0);
    struct {
      int32_t M, N, K, a_off, a_bs, a_rs, a_cs, b_off, b_bs, b_rs, b_cs, bias_off, has_bias, c_off;
    } push{i32(M),         i32(N),
           i32(K),         i32(off(a.t) + z0 * a.batch_stride),
           a.batch_stride, a.row_stride,
           a.col_stride,   i32(off(b.t) + z0 * b.batch_stride),
           b.batch_stride, b.row_stride,
           b.col_stride,   off(bias),
           bias.defined(), i32(c.offset() + z0 * M * N)};
    dispatch(device_index(c), "gemm", {in(a.t), in(b.t), in(bias), out(c)}, push, gx, gy,
             static_cast<uint32_t>(nz));
  }
}

}  // namespace

// x: [..., in], w: [out, in], b: [out] → [..., out]; w is read transposed through its strides.
Tensor linear(const Tensor& x_in, const Tensor& w, const Tensor& b_in) {
  const int64_t in_f = w.size(1), out_f = w.size(0);
  int64_t rows = 1;
  for (int d = 0; d + 1 < x_in.dim(); ++d) rows *= x_in.size(d);
  Shape out_shape = x_in.shape();
  out_shape[out_shape.size() - 1] = out_f;
  Tensor y = Tensor::empty(out_shape, DType::kF32, x_in.device());
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  if (y.numel() == 0) return y;
  // in == 0: x has no elements to view as [rows, in]; gemm reads none (the bias rows, or zeros)
  const Tensor x = in_f == 0 ? x_in : x_in.contiguous().reshape({rows, in_f});
  const Operand a{x, 0, i32(in_f), 1};
  const Operand wt{w, 0, i32(w.stride(1)), i32(w.stride(0))};  // B[k, n] = w[n, k]
  gemm(a, wt, b, y, 1, rows, out_f, in_f);
  return y;
}

// a: [..., M, K] · b: [..., K, N] (leading dims broadcast) → [..., M, N]
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const int64_t M = a_in.size(-2), K = a_in.size(-1), N = b_in.size(-1);
  const MatmulBroadcast mb = broadcast_for_matmul(a_in, b_in);
  Tensor y = Tensor::empty(mb.out, DType::kF32, a_in.device());
  const int lead = mb.lead.size();
  gemm(operand(mb.a, lead), operand(mb.b, lead), Tensor(), y, mb.lead.numel(), M, N, K);
  return y;
}

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw, int ph, int pw,
              int groups) {
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), Cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Ho = (H + 2 * ph - kh) / sh + 1, Wo = (W + 2 * pw - kw) / sw + 1;
  Tensor y = Tensor::empty({B, O, Ho, Wo}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  const int64_t Og = O / groups, jobs = B * groups * ((Og + 3) / 4) * Ho * Wo;  // 4 channels each
  struct {
    int32_t n, C, H, W, O, Cg, kh, kw, Ho, Wo, sh, sw, ph, pw, Og, x_off, w_off, bias_off, has_bias, groups;
  } push{i32(jobs), i32(C), i32(H), i32(W), i32(O),  i32(Cg), i32(kh), i32(kw), i32(Ho),     i32(Wo),
         sh,        sw,     ph,     pw,     i32(Og), off(x),  off(w),  off(b),  b.defined(), groups};
  const Groups g = groups_for(jobs, 256);
  dispatch(device_index(x), "conv2d", {in(x), in(w), in(b), out(y)}, push, g.x, g.y);
  return y;
}

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int sh, int sw) {
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t Ho = (H - 1) * sh + kh, Wo = (W - 1) * sw + kw;
  Tensor y = Tensor::empty({B, O, Ho, Wo}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  struct {
    int32_t n, C, H, W, O, kh, kw, Ho, Wo, sh, sw, x_off, w_off, bias_off, has_bias;
  } push{i32(y.numel()), i32(C), i32(H), i32(W), i32(O), i32(kh), i32(kw),    i32(Ho),
         i32(Wo),        sh,     sw,     off(x), off(w), off(b),  b.defined()};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(x), "conv_transpose2d", {in(x), in(w), in(b), out(y)}, push, g.x, g.y);
  return y;
}

Tensor max_pool2d(const Tensor& x_in, int k, int s) {
  const Tensor x = x_in.contiguous();
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = (H - k) / s + 1, Wo = (W - k) / s + 1;
  Tensor y = Tensor::empty({B, C, Ho, Wo}, DType::kF32, x.device());
  if (y.numel() == 0) return y;
  struct {
    int32_t n, H, W, Ho, Wo, k, s, x_off;
  } push{i32(y.numel()), i32(H), i32(W), i32(Ho), i32(Wo), k, s, off(x)};
  const Groups g = groups_for(y.numel(), 256);
  dispatch(device_index(x), "max_pool2d", {in(x), out(y)}, push, g.x, g.y);
  return y;
}

}  // namespace sam3rt::vk
