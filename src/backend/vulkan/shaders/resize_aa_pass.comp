#version 450
// One axis of the antialiased bilinear resize: x: [P, I, Q] contiguous → [P, O, Q], each output
// the first tap's product then one fma per further tap, in tap order. The windows are computed on
// the host exactly as the reference computes them (vk-resample.cpp): record o of `win` is
// [start, taps, w_0 … w_{max_taps-1}] (the weights as float bits).
// ref: backend/cpu/reference/ref-resample.cpp interpolate_bilinear_antialias, aa_dot
// GLSL's fma() need not be fused (Vulkan lets it round twice; lavapipe does): this variant is for
// devices without shaderFloat64, resize_aa_pass_f64.comp rounds once through double.
#extension GL_GOOGLE_include_directive : require
float fused_multiply_add(float a, float b, float c) { return fma(a, b, c); }
#include "resize_aa_pass.glsl"
