// The arguments of the fused attention kernels (attention.cu: fp32 FMA; attention-tf32.cu: TF32
// tensor cores), shared so that both read one description of the operands.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace sam3rt::cuda {

// Geometry of one [B, H, L, E] operand whose last dimension is contiguous (stride 1).
struct HeadView {
  const float* data;
  int64_t sb, sh, sl;  // strides of B, H, L in elements (any, including 0)
  bool vec;            // float4 loads are aligned: E % 4 == 0, 16-byte base, strides multiples of 4
};

struct AttnArgs {
  HeadView q, k, v;
  const uint8_t* mask;  // [B, Lk] with strides mb, ml; nullptr when undefined
  int64_t mb, ml;
  const float* bias;  // [B, H, Lq, Lk] with strides bb, bh, bq, bk (stride-0 broadcast allowed); nullptr when undefined
  int64_t bb, bh, bq, bk;
  float* out;  // contiguous [B, H, Lq, Dv]
  int64_t B, H, Lq, Lk;
  int D, Dv;
  float scale;
};

// Tensor-core (TF32 wmma) attention for head dims D, Dv ≤ 64 (attention-tf32.cu).
void launch_attention_tf32(const AttnArgs& a, cudaStream_t s);

}  // namespace sam3rt::cuda
