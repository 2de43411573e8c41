// Optimised linear algebra: everything goes through blas_sgemm (or gemm_bf16 under
// `--precision bf16`), with strided views passed as leading dimensions / transpose flags so that no
// copy is made for transposed or sliced inputs.
#include <vector>

#include "backend/cpu/bf16-gemm.h"
#include "backend/cpu/cpu-kernels.h"
#include "backend/cpu/gemm-util.h"
#include "core/error.h"
#include "core/numerics.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

// Row stride of `x` seen as a matrix [numel/last, last] when its leading dims collapse into one
// uniformly strided dimension; nullopt otherwise. Size-1 dims are ignored.
std::optional<int64_t> collapsed_row_stride(const Tensor& x, int lead_dims) {
  int64_t stride = -1, expect = -1;
  for (int d = lead_dims - 1; d >= 0; --d) {
    if (x.size(d) == 1) continue;
    if (stride < 0) {
      stride = x.stride(d);
    } else if (x.stride(d) != expect) {
      return std::nullopt;
    }
    expect = x.stride(d) * x.size(d);
  }
  return stride < 0 ? x.size(-1) : stride;
}

// y[r, :] = b for every row (the GEMM then accumulates with beta = 1).
void fill_rows(float* y, int64_t rows, int64_t cols, const float* b) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::copy(b, b + cols, y + r * cols);
  });
}

}  // namespace

// x: [..., in], w: [out, in] (f32, or bf16 under --precision bf16), b: [out] → [..., out]
Tensor linear(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in) {
  const int64_t in = w_in.size(1), out = w_in.size(0);
  const int64_t rows = in ? x_in.numel() / in : 0;
  Shape out_shape = x_in.shape();
  out_shape[out_shape.size() - 1] = out;
  Tensor y = Tensor::empty(out_shape);
  if (rows == 0 || out == 0) return y;
  Tensor x = x_in;
  std::optional<GemmOperand> a;
  if (auto rs = collapsed_row_stride(x, x.dim() - 1)) a = gemm_operand(rows, in, *rs, x.stride(-1));
  if (!a) {
    x = x.contiguous();
    a = GemmOperand{false, in};
  }
  // B = wᵀ: element (i, o) = w[o, i]
  Tensor w = w_in;
  std::optional<GemmOperand> bop = gemm_operand(in, out, w.stride(1), w.stride(0));
  if (!bop) {
    w = w.contiguous();
    bop = gemm_operand(in, out, w.stride(1), w.stride(0));
  }
  float* yp = y.data<float>();
  if (matmul_precision() == MatmulPrecision::kBf16) {
    const Tensor b = b_in.defined() ? b_in.contiguous() : Tensor();
    gemm_bf16(rows, out, in, 1.f, Bf16Operand{x.data<float>(), false, a->trans, a->ld},
              Bf16Operand{w.raw_data(), w.dtype() == DType::kBF16, bop->trans, bop->ld}, 0.f, yp, out,
              b.defined() ? b.data<float>() : nullptr);
    return y;
  }
  SAM3RT_ASSERT(w.dtype() == DType::kF32, "bf16 weights reach linear only under --precision bf16");
  float beta = 0.f;
  if (b_in.defined()) {
    Tensor b = b_in.contiguous();
    fill_rows(yp, rows, out, b.data<float>());
    beta = 1.f;
  }
  if (in == 0) return beta == 0.f ? Tensor::zeros(out_shape) : y;
  blas_sgemm(a->trans, bop->trans, rows, out, in, 1.f, x.data<float>(), a->ld, w.data<float>(), bop->ld, beta, yp, out);
  return y;
}

// a: [..., M, K], b: [..., K, N] (leading dims broadcast) → [..., M, N]
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
  MatmulBroadcast mb = broadcast_for_matmul(a_in, b_in);  // broadcast dims get stride 0: no copy
  const Shape& lead = mb.lead;
  const Shape& so = mb.out;
  Tensor a = mb.a, b = mb.b;
  const int64_t batch = lead.numel();
  if (batch == 0 || m == 0 || n == 0 || k == 0) return Tensor::zeros(so);
  Tensor y = Tensor::empty(so);  // every element is written by a GEMM with beta = 0
  const int nl = lead.size();
  const bool bf16 = matmul_precision() == MatmulPrecision::kBf16;
  // One product C = op(A)·op(B), in the call's precision.
  auto gemm = [bf16](bool ta, bool tb, int64_t gm, int64_t gn, int64_t gk, const float* ga, int64_t glda,
                     const float* gb, int64_t gldb, float* gc, int64_t gldc) {
    gemm_f32_operands(bf16, ta, tb, gm, gn, gk, 1.f, ga, glda, gb, gldb, 0.f, gc, gldc);
  };

  // b shared by every batch and a's batch collapsible into its rows: one tall GEMM.
  bool b_shared = true;
  for (int i = 0; i < nl; ++i) b_shared = b_shared && (b.stride(i) == 0 || b.size(i) == 1);
  if (b_shared && batch > 1) {
    std::optional<GemmOperand> aop, bop = gemm_operand(k, n, b.stride(-2), b.stride(-1));
    if (auto rs = collapsed_row_stride(a, a.dim() - 1)) aop = gemm_operand(batch * m, k, *rs, a.stride(-1));
    if (aop && bop && !aop->trans) {
      gemm(false, bop->trans, batch * m, n, k, a.data<float>(), aop->ld, b.data<float>(), bop->ld,
           y.data<float>(), n);
      return y;
    }
  }

  std::optional<GemmOperand> aop = gemm_operand(m, k, a.stride(-2), a.stride(-1));
  std::optional<GemmOperand> bop = gemm_operand(k, n, b.stride(-2), b.stride(-1));
  if (!aop) {
    a = a.contiguous();
    aop = GemmOperand{false, k};
  }
  if (!bop) {
    b = b.contiguous();
    bop = GemmOperand{false, n};
  }
  // Element offsets of batch t in a and b (broadcast dims have stride 0).
  auto offsets = [&](int64_t t, int64_t* oa, int64_t* ob) {
    *oa = *ob = 0;
    for (int i = nl - 1; i >= 0; --i) {
      const int64_t idx = t % lead[i];
      t /= lead[i];
      *oa += idx * a.stride(i);
      *ob += idx * b.stride(i);
    }
  };
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  auto one = [&](int64_t t) {
    int64_t oa, ob;
    offsets(t, &oa, &ob);
    gemm(aop->trans, bop->trans, m, n, k, ap + oa, aop->ld, bp + ob, bop->ld, yp + t * m * n, n);
  };
  // Small matrices (attention heads, per-window products): one single-threaded GEMM per batch
  // on the pool; large ones: BLAS's own threads inside each GEMM.
  const bool small = m * n * k <= 128 * 128 * 128;
  if (small && batch > 1 && num_threads() > 1 && !in_parallel_region()) {
    BlasSingleThreaded single;
    parallel_for(batch, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) one(t);
    });
  } else {
    for (int64_t t = 0; t < batch; ++t) one(t);
  }
  return y;
}

}  // namespace sam3rt::cpu
