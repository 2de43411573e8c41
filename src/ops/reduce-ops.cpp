// ops::masked_mean, ops::concat, ops::split, ops::embedding: checks and dispatch.
#include "ops/op-util.h"
#include "ops/ops.h"

namespace sam3rt::ops {
using namespace detail;

Tensor masked_mean(const Tensor& x, const Tensor& padding_mask) {
  static constexpr const char* kOp = "masked_mean";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "x", x, 3);
  check_float(kOp, "x", x);
  check_dim(kOp, "padding_mask", padding_mask, 2);
  SAM3RT_CHECK(padding_mask.dtype() == DType::kU8 && padding_mask.size(0) == x.size(0) &&
                   padding_mask.size(1) == x.size(1),
               kInvalidArgument, "[masked_mean] padding_mask must be u8 [", x.size(0), ", ", x.size(1), "], got ",
               padding_mask.str());
  const Device dev = common_device(kOp, {&x, &padding_mask});
  return backend_kernel(kOp, dev, &KernelTable::masked_mean)(as_f32(x), padding_mask);
}

Tensor concat(const std::vector<Tensor>& xs, int dim) {
  static constexpr const char* kOp = "concat";
  const OpScope profile_scope(kOp);
  SAM3RT_CHECK(!xs.empty(), kInvalidArgument, "[concat] needs at least one tensor");
  for (const Tensor& t : xs) check_defined(kOp, "input", t);
  const Tensor& first = xs[0];
  SAM3RT_CHECK(first.dim() > 0 && dim >= -first.dim() && dim < first.dim(), kInvalidArgument, "[concat] dim ", dim,
               " is out of range for ", first.str());
  const int d = first.wrap_dim(dim);
  for (size_t i = 1; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    bool ok = t.dim() == first.dim() && t.dtype() == first.dtype() && t.device() == first.device();
    for (int j = 0; ok && j < t.dim(); ++j) ok = j == d || t.size(j) == first.size(j);
    SAM3RT_CHECK(ok, kInvalidArgument, "[concat] input ", i, " ", t.str(), " does not match input 0 ", first.str(),
                 " outside dim ", d, " (dtype and device must match too)");
  }
  return backend_kernel(kOp, first.device(), &KernelTable::concat)(xs, d);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int dim) {
  check_defined("split", "x", x);
  SAM3RT_CHECK(x.dim() > 0 && dim >= -x.dim() && dim < x.dim(), kInvalidArgument, "[split] dim ", dim,
               " is out of range for ", x.str());
  const int d = x.wrap_dim(dim);
  int64_t total = 0;
  for (int64_t s : sizes) {
    SAM3RT_CHECK(s >= 0, kInvalidArgument, "[split] sizes must be non-negative, got ", s);
    total += s;
  }
  SAM3RT_CHECK(total == x.size(d), kInvalidArgument, "[split] sizes add up to ", total, " but dim ", d, " of ",
               x.str(), " has ", x.size(d));
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, at, s));
    at += s;
  }
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  static constexpr const char* kOp = "embedding";
  const OpScope profile_scope(kOp);
  check_dim(kOp, "weight", weight, 2);
  check_float(kOp, "weight", weight);
  check_defined(kOp, "ids", ids);
  SAM3RT_CHECK(ids.dtype() == DType::kI32 || ids.dtype() == DType::kI64, kInvalidArgument,
               "[embedding] ids must be i32 or i64, got ", ids.str());
  const Device dev = common_device(kOp, {&weight, &ids});
  const auto embedding_kernel = backend_kernel(kOp, dev, &KernelTable::embedding);
  const Tensor idc = ids.to(Device::cpu()).contiguous();  // range check on the host (ids are few)
  const int64_t V = weight.size(0);
  for (int64_t i = 0; i < idc.numel(); ++i) {
    const int64_t id = idc.dtype() == DType::kI32 ? idc.data<int32_t>()[i] : idc.data<int64_t>()[i];
    SAM3RT_CHECK(id >= 0 && id < V, kInvalidArgument, "[embedding] id ", id, " at position ", i,
                 " is outside the vocabulary [0, ", V, ")");
  }
  return embedding_kernel(as_f32(weight), ids);
}

}  // namespace sam3rt::ops
