#version 450
// resize_aa_pass.comp with a product-then-add that rounds once, as the reference's std::fma: the
// product of two floats is exact in double, and the double sum rounded to float is the fused
// result except when it lands on a float rounding midpoint (about one case in 2²⁹). For devices
// with shaderFloat64 (lavapipe, most desktop GPUs; not MoltenVK).
#extension GL_GOOGLE_include_directive : require
float fused_multiply_add(float a, float b, float c) { return float(fma(double(a), double(b), double(c))); }
#include "resize_aa_pass.glsl"
