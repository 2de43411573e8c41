#version 450
// dst ← src, same shape (rank ≤ 6 after merging dimensions), any strides, converting dtypes.
// ref: backend/cuda/copy.cu strided_copy; conversions as Tensor::to on the CPU (floats round to
// nearest even, floats to integers truncate toward zero).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Src { uint src_words[]; };
layout(std430, binding = 1) buffer Dst { uint dst_words[]; };
layout(push_constant) uniform Push {
  int n, rank, src_off, dst_off, src_dt, dst_dt;
  int shape[6];
  int sstride[6];
  int dstride[6];
} p;
#include "common.glsl"
#include "elem.glsl"

void main() {
  const uint i = flat_index();
  if (i >= uint(p.n)) return;
  uint rest = i;
  int s = p.src_off, d = p.dst_off;
  for (int k = p.rank - 1; k >= 0; --k) {
    const uint c = rest % uint(p.shape[k]);
    rest /= uint(p.shape[k]);
    s += int(c) * p.sstride[k];
    d += int(c) * p.dstride[k];
  }
  uint hi;
  const uint bits = load_bits(uint(s), p.src_dt, hi);
  if (p.src_dt == p.dst_dt) {
    store_bits(uint(d), p.dst_dt, bits, hi);
    return;
  }
  const float f = bits_to_float(bits, hi, p.src_dt);
  // integer → integer keeps the value exactly (within 32 bits); float → integer truncates
  const int iv = is_int(p.src_dt) ? int(bits) : int(f);
  uint out_hi;
  const uint out_bits = to_bits(f, iv, p.dst_dt, out_hi);
  store_bits(uint(d), p.dst_dt, out_bits, out_hi);
}
