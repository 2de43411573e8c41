// Scaled dot-product attention on a Vulkan device (shaders/attention.comp: flash style, one
// workgroup per query row).
#include "backend/vulkan/vk-kernels.h"
#include "backend/vulkan/vk-runtime.h"

namespace sam3rt::vk {

// q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv], key_padding_mask: u8 [B, Lk], bias:
// [B, H, Lq, Lk] (a stride-0 view where broadcast) → [B, H, Lq, Dv]
Tensor attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& mask_in,
                 const Tensor& bias, float scale) {
  const Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  const Tensor mask = mask_in.defined() ? mask_in.contiguous() : Tensor();
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3), Lk = k.size(2), Dv = v.size(3);
  Tensor y = Tensor::empty({B, H, Lq, Dv}, DType::kF32, q.device());
  if (y.numel() == 0) return y;
  if (Lk == 0) {  // no keys: every query is "fully masked"
    fill(y, 0.f);
    return y;
  }
  SAM3RT_CHECK(D <= 512 && Dv <= 512, kUnsupported, "Vulkan attention: head dimensions ", D, "/", Dv,
               " (the shader takes up to 512)");
  SAM3RT_CHECK(Lq <= 65535 && B * H <= 65535, kUnsupported, "Vulkan attention: ", Lq, " queries × ", B * H,
               " heads exceed one dispatch");
  struct {
    int32_t H, Lq, Lk, D, Dv, q_off, k_off, v_off, m_off, has_mask, has_bias, bias_off;
    int32_t bs0, bs1, bs2, bs3;
    float scale;
  } push{};
  push.H = to_i32(H, "heads");
  push.Lq = to_i32(Lq, "queries");
  push.Lk = to_i32(Lk, "keys");
  push.D = to_i32(D, "head dim");
  push.Dv = to_i32(Dv, "head dim");
  push.q_off = to_i32(q.offset(), "offset");
  push.k_off = to_i32(k.offset(), "offset");
  push.v_off = to_i32(v.offset(), "offset");
  push.m_off = mask.defined() ? to_i32(mask.offset(), "offset") : 0;
  push.has_mask = mask.defined();
  push.has_bias = bias.defined();
  if (bias.defined()) {
    push.bias_off = to_i32(bias.offset(), "offset");
    push.bs0 = to_i32(bias.stride(0), "stride");
    push.bs1 = to_i32(bias.stride(1), "stride");
    push.bs2 = to_i32(bias.stride(2), "stride");
    push.bs3 = to_i32(bias.stride(3), "stride");
  }
  push.scale = scale;
  dispatch(device_index(q), "attention", {in(q), in(k), in(v), in(mask), in(bias), out(y)}, push,
           static_cast<uint32_t>(Lq), static_cast<uint32_t>(B * H));
  return y;
}

}  // namespace sam3rt::vk
