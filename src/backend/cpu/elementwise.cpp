// Optimised elementwise ops and softmax: contiguous fast paths vectorised by the compiler,
// split across the thread pool in chunks large enough to amortise the hand-off.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/cpu-kernels.h"
#include "backend/cpu/vec-math.h"
#include "core/thread-pool.h"

namespace sam3rt::cpu {
namespace {

constexpr int64_t kGrain = 32768;  // elements per task: ≥ ~10 µs of work

template <class F>
void map_unary(const float* __restrict x, float* __restrict y, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = f(x[i]);
  });
}

// The exp-based row helpers of vec-math.h (NEON on Arm) over chunks of a flat array.
template <class F>
void map_rows(const float* x, float* y, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) { f(x + i0, y + i0, i1 - i0); });
}

template <class F>
void map_binary_flat(const float* __restrict a, const float* __restrict b, float* __restrict y, int64_t n, F f) {
  parallel_for(n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = f(a[i], b[i]);
  });
}

// General broadcasting: a and b are views already expanded to y's shape (stride 0 on broadcast
// dims). Rows of the last dimension are processed with their own strides.
template <class F>
void map_binary_strided(const Tensor& a, const Tensor& b, Tensor& y, F f) {
  const int r = y.dim();
  const int64_t inner = r ? y.size(-1) : 1, rows = inner ? y.numel() / inner : 0;
  const int64_t sa = r ? a.stride(-1) : 0, sb = r ? b.stride(-1) : 0;
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t oa = 0, ob = 0, t = row;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t idx = t % y.size(d);
        t /= y.size(d);
        oa += idx * a.stride(d);
        ob += idx * b.stride(d);
      }
      const float* ar = ap + oa;
      const float* br = bp + ob;
      float* __restrict yr = yp + row * inner;
      if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < inner; ++i) yr[i] = f(ar[i], br[i]);
      } else if (sa == 1 && sb == 0) {
        const float bv = *br;
        for (int64_t i = 0; i < inner; ++i) yr[i] = f(ar[i], bv);
      } else if (sa == 0 && sb == 1) {
        const float av = *ar;
        for (int64_t i = 0; i < inner; ++i) yr[i] = f(av, br[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) yr[i] = f(ar[i * sa], br[i * sb]);
      }
    }
  });
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  Tensor v = t;
  while (v.dim() < shape.size()) v = v.unsqueeze(0);
  return v.expand(shape);
}

template <class F>
void dispatch_binary(BinaryOp op, F&& run) {
  switch (op) {
    case BinaryOp::kAdd: return run([](float p, float q) { return p + q; });
    case BinaryOp::kSub: return run([](float p, float q) { return p - q; });
    case BinaryOp::kMul: return run([](float p, float q) { return p * q; });
    case BinaryOp::kDiv: return run([](float p, float q) { return p / q; });
  }
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x_in, float p0, float p1) {
  Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const int64_t n = x.numel();
  switch (op) {
    case UnaryOp::kGelu: map_rows(xp, yp, n, gelu_f32); break;
    // NaN-propagating max(v, 0), as torch.relu
    case UnaryOp::kRelu: map_unary(xp, yp, n, [](float v) { return v < 0.f ? 0.f : v; }); break;
    case UnaryOp::kSigmoid: map_rows(xp, yp, n, sigmoid_f32); break;
    case UnaryOp::kExp: map_rows(xp, yp, n, [](const float* a, float* b, int64_t k) { exp_sub_f32(a, 0.f, b, k); }); break;
    case UnaryOp::kLog: map_unary(xp, yp, n, [](float v) { return std::log(v); }); break;
    case UnaryOp::kClamp:
      map_unary(xp, yp, n, [p0, p1](float v) { return v < p0 ? p0 : (v > p1 ? p1 : v); });
      break;
    case UnaryOp::kAddScalar: map_unary(xp, yp, n, [p0](float v) { return v + p0; }); break;
    case UnaryOp::kMulScalar: map_unary(xp, yp, n, [p0](float v) { return v * p0; }); break;
  }
  return y;
}

Tensor binary(BinaryOp op, const Tensor& a_in, const Tensor& b_in) {
  const Shape shape = broadcast_shapes(a_in.shape(), b_in.shape());
  Tensor y = Tensor::empty(shape);
  if (y.numel() == 0) return y;
  if (a_in.shape() == shape && b_in.shape() == shape && a_in.is_contiguous() && b_in.is_contiguous()) {
    dispatch_binary(op, [&](auto f) { map_binary_flat(a_in.data<float>(), b_in.data<float>(), y.data<float>(), y.numel(), f); });
    return y;
  }
  Tensor a = broadcast_to(a_in, shape), b = broadcast_to(b_in, shape);
  dispatch_binary(op, [&](auto f) { map_binary_strided(a, b, y, f); });
  return y;
}

void add_inplace(Tensor& a, const Tensor& b_in) {
  if (a.numel() == 0) return;
  Tensor b = broadcast_to(b_in, a.shape());
  float* ap = a.data<float>();
  if (b.is_contiguous()) {
    const float* __restrict bp = b.data<float>();
    parallel_for(a.numel(), kGrain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) ap[i] += bp[i];
    });
    return;
  }
  // Strided/broadcast b: rows of a's last dimension, each with b's own offsets.
  const int r = a.dim();
  const int64_t inner = a.size(-1), rows = a.numel() / inner, sb = b.stride(-1);
  const float* bp = b.data<float>();
  parallel_for(rows, std::max<int64_t>(1, kGrain / inner), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t ob = 0, t = row;
      for (int d = r - 2; d >= 0; --d) {
        ob += (t % a.size(d)) * b.stride(d);
        t /= a.size(d);
      }
      float* ar = ap + row * inner;
      const float* br = bp + ob;
      if (sb == 0) {
        const float bv = *br;
        for (int64_t i = 0; i < inner; ++i) ar[i] += bv;
      } else {
        for (int64_t i = 0; i < inner; ++i) ar[i] += br[i * sb];
      }
    }
  });
}

// Softmax over `dim`: x viewed as [outer, n, inner]; the common inner == 1 case runs row by row.
Tensor softmax(const Tensor& x_in, int dim) {
  Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.size(dim);
  int64_t inner = 1;
  for (int d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  if (x.numel() == 0) return y;
  const int64_t outer = x.numel() / (n * inner);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / n), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* __restrict xr = xp + r * n;
        float* __restrict yr = yp + r * n;
        const float m = max_f32(xr, n);
        exp_sub_f32(xr, m, yr, n);
        const float inv = 1.f / sum_f32(yr, n);
        for (int64_t j = 0; j < n; ++j) yr[j] *= inv;
      }
    });
    return y;
  }
  parallel_for(outer, std::max<int64_t>(1, kGrain / (n * inner)), [&](int64_t o0, int64_t o1) {
    std::vector<float> m(inner), s(inner);
    for (int64_t o = o0; o < o1; ++o) {
      const float* xo = xp + o * n * inner;
      float* yo = yp + o * n * inner;
      std::fill(m.begin(), m.end(), neg_inf);
      std::fill(s.begin(), s.end(), 0.f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) m[i] = std::max(m[i], xo[j * inner + i]);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) s[i] += (yo[j * inner + i] = exp_approx(xo[j * inner + i] - m[i]));
      for (int64_t i = 0; i < inner; ++i) s[i] = 1.f / s[i];
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) yo[j * inner + i] *= s[i];
    }
  });
  return y;
}

}  // namespace sam3rt::cpu
